using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// The people a change concerns are told: an organization's other full admins when a subscription arrives without
/// an approval, and the previous contact when an operator redirects the invitation (their link then says so).
/// </summary>
public class PeopleToldTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Rule_A_tells_the_organizations_other_full_admins_and_not_the_admin_who_got_it()
    {
        // Arrange: marta@telefonica.es is one of Telefónica's two full admins (samples/organizations.json).
        var orderId = NewId("notice");
        var token = await host.InviteAsync(orderId);

        // Act
        using var submitted = await Server.SubmitAsync(token, new { companyName = "Telefonica", adminEmail = "marta@telefonica.es" });
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Outcome), "the outcome");

        // Assert
        var notice = Assert.Single(mail, m => m.Kind == EmailKind.AssignmentNotice);
        Assert.Equal("admin.collab@telefonica.es", notice.To);
        Assert.Contains("marta@telefonica.es", notice.Text, StringComparison.Ordinal);
        Assert.Contains(orderId, notice.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_tells_the_previous_contact_and_their_old_link_says_it_went_to_someone_else()
    {
        // Arrange
        var orderId = NewId("redirect");
        var token = await host.InviteAsync(orderId);

        // Act
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/invitation") { Content = JsonContent.Create(new { provisioningContactEmail = "colleague@acme.com" }, options: Json.Options) })
        {
            request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
            using var resent = await Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        }

        // Assert: the previous contact is told, without the new contact's address; their link says why it is dead.
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.InvitationRedirected), "the previous contact told");
        var told = Assert.Single(mail, m => m.Kind == EmailKind.InvitationRedirected);
        Assert.Equal("buyer@acme.com", told.To);
        Assert.DoesNotContain("colleague@acme.com", told.Text, StringComparison.OrdinalIgnoreCase);
        using var old = await Server.Http.GetAsync($"/api/wizard/{token}");
        Assert.Equal(HttpStatusCode.Gone, old.StatusCode);
        using var problem = JsonDocument.Parse(await old.Content.ReadAsStringAsync());
        Assert.Equal("redirected", problem.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_resend_to_the_same_contact_tells_nobody_else_and_the_old_link_is_replaced()
    {
        var orderId = NewId("same");
        var token = await host.InviteAsync(orderId);
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/invitation"))
        {
            request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
            using var resent = await Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        }

        var mail = await Server.WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.Invitation) == 2, "the second invitation");
        Assert.DoesNotContain(mail, m => m.Kind == EmailKind.InvitationRedirected);
        using var old = await Server.Http.GetAsync($"/api/wizard/{token}");
        using var problem = JsonDocument.Parse(await old.Content.ReadAsStringAsync());
        Assert.Equal("replaced", problem.RootElement.GetProperty("reason").GetString());
    }
}
