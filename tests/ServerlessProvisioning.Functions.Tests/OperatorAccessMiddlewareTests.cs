using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>
/// The operator routes in Azure: anonymous to the Functions host, guarded in the worker by OperatorAccessMiddleware
/// around the real triggers. A person signed in with the operator role or the operator key gets in; a person without
/// the role gets 403, nobody 401, and principal headers count only with App Service Authentication on.
/// </summary>
public class OperatorAccessMiddlewareTests(AzuriteFixture azurite)
{
    static readonly Dictionary<string, string?> SignInOn = new() { [AppServicePrincipal.AuthEnabledSetting] = "True" };

    static FunctionContext Invocation(string functionName, HttpContext http)
    {
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns(functionName);
        definition.SetupGet(d => d.InputBindings).Returns(ImmutableDictionary<string, BindingMetadata>.Empty);
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.InvocationId).Returns("invocation-1");
        // Where the ASP.NET Core integration keeps the request (FunctionContext.GetHttpContext reads it).
        context.SetupGet(c => c.Items).Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        return context.Object;
    }

    static DefaultHttpContext Get(IServiceProvider services, Dictionary<string, string> headers)
    {
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = "GET";
        foreach (var (name, value) in headers)
        {
            http.Request.Headers[name] = value;
        }

        http.Response.Body = new MemoryStream();
        return http;
    }

    static Dictionary<string, string> Person(string name, params string[] roles) => new()
    {
        [AppServicePrincipal.NameHeader] = name,
        [AppServicePrincipal.ClaimsHeader] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            auth_typ = "aad",
            name_typ = "preferred_username",
            role_typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
            claims = roles.Select(r => new { typ = "roles", val = r }).Append(new { typ = "preferred_username", val = name }).ToArray(),
        }))),
    };

    // Runs a trigger as the worker does: the gate, then the trigger, whose result the integration executes.
    static async Task<(int Status, JsonElement Body, bool Ran)> RunAsync(string functionName, HttpContext http, Func<HttpRequest, Task<IResult>> trigger)
    {
        var ran = false;
        await new OperatorAccessMiddleware().Invoke(Invocation(functionName, http), async _ =>
        {
            ran = true;
            await (await trigger(http.Request)).ExecuteAsync(http);
        });
        http.Response.Body.Position = 0;
        using var document = JsonDocument.Parse(http.Response.Body);
        return (http.Response.StatusCode, document.RootElement.Clone(), ran);
    }

    static Task<(int Status, JsonElement Body, bool Ran)> WhoAmIAsync(HttpContext http) =>
        RunAsync(nameof(ApiFunctions.WhoAmI), http, request => Task.FromResult(ApiFunctions.WhoAmI(request)));

    [Fact]
    public async Task Without_a_credential_an_operator_trigger_answers_401_problem_json_and_never_runs()
    {
        using var services = await FunctionTestServices.CreateAsync(azurite);
        var functions = ActivatorUtilities.CreateInstance<ApiFunctions>(services);
        var http = Get(services, []);

        var (status, body, ran) = await RunAsync(nameof(ApiFunctions.CountOrders), http, functions.CountOrders);

        Assert.Equal(401, status);
        Assert.False(ran);
        Assert.StartsWith("application/problem+json", http.Response.ContentType, StringComparison.Ordinal);
        Assert.False(body.TryGetProperty(OperatorAccess.SignInMember, out _));
    }

    [Fact]
    public async Task The_operator_key_lets_a_machine_run_the_trigger()
    {
        using var services = await FunctionTestServices.CreateAsync(azurite);
        var functions = ActivatorUtilities.CreateInstance<ApiFunctions>(services);

        var (status, body, ran) = await RunAsync(nameof(ApiFunctions.CountOrders), Get(services, new() { [ApiSecurity.OperatorKeyHeader] = FunctionTestServices.OperatorKey }), functions.CountOrders);

        Assert.Equal(200, status);
        Assert.True(ran);
        Assert.True(body.TryGetProperty("stages", out _));
    }

    [Fact]
    public async Task A_wrong_key_is_401()
    {
        using var services = await FunctionTestServices.CreateAsync(azurite);

        var (status, _, ran) = await WhoAmIAsync(Get(services, new() { [ApiSecurity.OperatorKeyHeader] = "a-leaked-and-rotated-key" }));

        Assert.Equal(401, status);
        Assert.False(ran);
    }

    [Fact]
    public async Task With_App_Service_Authentication_on_a_person_with_the_operator_role_is_let_in_by_name()
    {
        using var services = await FunctionTestServices.CreateAsync(azurite, settings: SignInOn);

        var (status, body, _) = await WhoAmIAsync(Get(services, Person("alice@contoso.com", "Reader", OperatorAccess.Role)));

        Assert.Equal(200, status);
        Assert.Equal("alice@contoso.com", body.GetProperty("name").GetString());
        Assert.Equal("operator:alice@contoso.com", body.GetProperty("operator").GetString());
        Assert.Equal("SignIn", body.GetProperty("credential").GetString());
    }

    [Fact]
    public async Task With_App_Service_Authentication_on_a_person_without_the_role_gets_403()
    {
        using var services = await FunctionTestServices.CreateAsync(azurite, settings: SignInOn);
        var functions = ActivatorUtilities.CreateInstance<ApiFunctions>(services);

        var (status, body, ran) = await RunAsync(nameof(ApiFunctions.CountOrders), Get(services, Person("mallory@contoso.com", "Reader")), functions.CountOrders);

        Assert.Equal(403, status);
        Assert.False(ran);
        Assert.Contains(OperatorAccess.Role, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_App_Service_Authentication_on_a_401_says_where_to_sign_in()
    {
        using var services = await FunctionTestServices.CreateAsync(azurite, settings: SignInOn);

        var (status, body, _) = await WhoAmIAsync(Get(services, []));

        Assert.Equal(401, status);
        Assert.Equal(OperatorAccess.SignInPath, body.GetProperty(OperatorAccess.SignInMember).GetString());
    }

    [Fact]
    public async Task Without_App_Service_Authentication_forged_principal_headers_get_nobody_in()
    {
        // As under func start, or in Azure with authentication off: nothing strips a header a client made up.
        using var services = await FunctionTestServices.CreateAsync(azurite);

        var (status, _, ran) = await WhoAmIAsync(Get(services, Person("ceo@contoso.com", OperatorAccess.Role)));

        Assert.Equal(401, status);
        Assert.False(ran);
    }

    [Fact]
    public async Task A_resend_by_a_signed_in_person_is_audited_under_their_name()
    {
        using var services = await FunctionTestServices.CreateAsync(azurite, settings: SignInOn);
        var http = Get(services, Person("alice@contoso.com", OperatorAccess.Role));

        await WhoAmIAsync(http);

        Assert.Equal("operator:alice@contoso.com", OperatorIdentity.Of(http.Request));
    }
}
