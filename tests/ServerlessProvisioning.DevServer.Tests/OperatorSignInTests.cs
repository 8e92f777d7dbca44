using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// The local host with WEBSITE_AUTH_ENABLED=True, as App Service sets it while App Service Authentication is on: the
/// test plays the platform, which puts the signed-in principal in X-MS-CLIENT-PRINCIPAL* headers (and strips copies a
/// client sent). Nothing but App Service sets that variable; a test also shows the headers count for nothing without it.
/// </summary>
public sealed class SignInOnHostFixture(AzuriteFixture azurite) : InProcessHostFixture(azurite)
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string> { [AppServicePrincipal.AuthEnabledSetting] = "True" };
}

/// <summary>Operators as people: a signed-in person with the operator role operates and is audited by name; the others are turned away.</summary>
public class OperatorSignInTests(SignInOnHostFixture host) : IClassFixture<SignInOnHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    // What App Service Authentication passes to the app for a person signed in with Entra ID.
    internal static void SignedIn(HttpRequestMessage request, string name, params string[] roles)
    {
        request.Headers.Add(AppServicePrincipal.NameHeader, name);
        request.Headers.Add(AppServicePrincipal.IdHeader, "0b1c2d3e-0000-4000-8000-000000000001");
        request.Headers.Add(AppServicePrincipal.ClaimsHeader, Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            auth_typ = "aad",
            name_typ = "preferred_username",
            role_typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
            claims = roles.Select(r => new { typ = "roles", val = r }).Append(new { typ = "preferred_username", val = name }).ToArray(),
        }))));
    }

    async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? person, string[]? roles = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json.Options);
        }

        if (person is not null)
        {
            SignedIn(request, person, roles ?? [OperatorAccess.Role]);
        }

        return await Server.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task A_person_with_the_operator_role_resends_an_invitation_and_the_audit_names_them()
    {
        var orderId = NewId("person");
        await host.InviteAsync(orderId);

        using var me = await SendAsync(HttpMethod.Get, "/api/operator", "alice@contoso.com");
        using var resent = await SendAsync(HttpMethod.Post, $"/api/orders/{orderId}/invitation", "alice@contoso.com", body: new { });

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var session = await JsonAsync(me);
        Assert.Equal("alice@contoso.com", session.GetProperty("name").GetString());
        Assert.Equal("SignIn", session.GetProperty("credential").GetString());
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var order = await Eventually.WaitAsync(
            async () =>
            {
                using var response = await SendAsync(HttpMethod.Get, $"/api/orders/{orderId}", "alice@contoso.com");
                return (await response.Content.ReadFromJsonAsync<OrderView>(Json.Options))!;
            },
            o => o.Audit.Any(a => a.Action == "InvitationResendRequested"), TimeSpan.FromSeconds(60), "the audited resend");
        Assert.Equal("operator:alice@contoso.com", order.Audit.First(a => a.Action == "InvitationResendRequested").Actor);
    }

    [Fact]
    public async Task A_person_without_the_role_gets_403_problem_json_and_changes_nothing()
    {
        var orderId = NewId("norole");
        await host.InviteAsync(orderId);

        using var read = await SendAsync(HttpMethod.Get, $"/api/orders/{orderId}", "mallory@contoso.com", ["Reader"]);
        using var cancel = await SendAsync(HttpMethod.Post, $"/api/orders/{orderId}/cancel", "mallory@contoso.com", ["Reader"], new { reason = "no" });

        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);
        Assert.Contains(OperatorAccess.Role, (await JsonAsync(read)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        using var order = await Server.OperatorGetAsync($"/api/orders/{orderId}");
        Assert.Equal(ProvisioningStage.InvitationSent, (await order.Content.ReadFromJsonAsync<OrderView>(Json.Options))!.Stage);
    }

    [Fact]
    public async Task Nobody_gets_401_with_where_to_sign_in()
    {
        using var anonymous = await SendAsync(HttpMethod.Get, "/api/order-counts", person: null);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(OperatorAccess.SignInPath, (await JsonAsync(anonymous)).GetProperty(OperatorAccess.SignInMember).GetString());
    }

    [Fact]
    public async Task Machines_keep_the_operator_key()
    {
        using var me = await Server.OperatorGetAsync("/api/operator");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("Key", (await JsonAsync(me)).GetProperty("credential").GetString());
    }

    [Fact]
    public async Task The_webhook_and_the_wizard_stay_open_without_a_sign_in()
    {
        var orderId = NewId("open");

        var token = await host.InviteAsync(orderId);
        using var wizard = await Server.Http.GetAsync($"/api/wizard/{token}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, wizard.StatusCode);
    }
}
