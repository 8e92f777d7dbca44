using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Http;

namespace ServerlessProvisioning.UnitTests.Api;

/// <summary>
/// Who may use the operator routes, and who the audit names: a person signed in with the operator role, only when App
/// Service Authentication vouches for the headers (WEBSITE_AUTH_ENABLED); else the operator key. A client can never
/// forge a principal, a person without the role gets 403, nobody at all 401.
/// </summary>
public class OperatorAccessTests
{
    const string Key = "operator-key-0123456789abcdef0123456789";
    const string RoleClaim = "roles";

    static HttpRequest Request(bool platformAuthenticationOn, Dictionary<string, string> headers, string? operatorKey = Key)
    {
        var settings = new Dictionary<string, string?> { ["Provisioning:OperatorKey"] = operatorKey };
        if (platformAuthenticationOn)
        {
            settings[AppServicePrincipal.AuthEnabledSetting] = "True";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(Options.Create(new ProvisioningOptions { OperatorKey = operatorKey }))
            .BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }

    static string Principal(string? nameType, params (string Type, string Value)[] claims) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["auth_typ"] = "aad",
            ["name_typ"] = nameType,
            ["role_typ"] = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
            ["claims"] = claims.Select(c => new { typ = c.Type, val = c.Value }).ToArray(),
        })));

    // What App Service Authentication passes for Alice, who holds the operator role, or for Mallory, who does not.
    static Dictionary<string, string> Alice(bool withRole = true) => new()
    {
        [AppServicePrincipal.NameHeader] = "alice@contoso.com",
        [AppServicePrincipal.IdHeader] = "0b1c2d3e-0000-4000-8000-000000000001",
        [AppServicePrincipal.ClaimsHeader] = withRole
            ? Principal("preferred_username", ("preferred_username", "alice@contoso.com"), (RoleClaim, "Reader"), (RoleClaim, OperatorAccess.Role))
            : Principal("preferred_username", ("preferred_username", "alice@contoso.com"), (RoleClaim, "Reader")),
    };

    static string KeyName => OperatorAccess.KeyName(Key);

    static int Status(OperatorAccessDecision decision) => decision.Problem!.StatusCode;

    [Fact]
    public void A_signed_in_person_with_the_operator_role_is_let_in_and_named()
    {
        var decision = OperatorAccess.Decide(Request(true, Alice()));

        Assert.True(decision.Allowed);
        Assert.Equal(OperatorCredential.SignIn, decision.Credential);
        Assert.Equal("operator:alice@contoso.com", decision.Operator);
    }

    [Fact]
    public void A_signed_in_person_without_the_role_is_forbidden_not_unauthorized()
    {
        var decision = OperatorAccess.Decide(Request(true, Alice(withRole: false)));

        Assert.False(decision.Allowed);
        Assert.Equal(403, Status(decision));
        Assert.Contains(OperatorAccess.Role, decision.Problem!.ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Equal("application/problem+json", decision.Problem.ContentType);
    }

    [Fact]
    public void The_role_must_match_exactly()
    {
        var headers = Alice(withRole: false);
        headers[AppServicePrincipal.ClaimsHeader] = Principal(null, (RoleClaim, OperatorAccess.Role.ToLowerInvariant()), (RoleClaim, OperatorAccess.Role + " "));

        Assert.Equal(403, Status(OperatorAccess.Decide(Request(true, headers))));
    }

    [Fact]
    public void The_role_is_read_under_the_principal_s_role_type_too()
    {
        var headers = Alice(withRole: false);
        headers[AppServicePrincipal.ClaimsHeader] = Principal(null, ("http://schemas.microsoft.com/ws/2008/06/identity/claims/role", OperatorAccess.Role));

        Assert.Equal(OperatorCredential.SignIn, OperatorAccess.Decide(Request(true, headers)).Credential);
    }

    [Fact]
    public void Without_platform_authentication_forged_principal_headers_let_nobody_in()
    {
        // The local host and Core Tools pass any header through: a client could claim to be anyone with any role.
        var decision = OperatorAccess.Decide(Request(false, Alice()));

        Assert.False(decision.Allowed);
        Assert.Equal(401, Status(decision));
        Assert.False(decision.Problem!.ProblemDetails.Extensions.ContainsKey(OperatorAccess.SignInMember));
    }

    [Fact]
    public void Without_platform_authentication_forged_headers_do_not_rename_a_key_caller()
    {
        var headers = Alice();
        headers[ApiSecurity.OperatorKeyHeader] = Key;

        var decision = OperatorAccess.Decide(Request(false, headers));

        Assert.Equal(OperatorCredential.Key, decision.Credential);
        Assert.Equal(KeyName, decision.Operator);
        Assert.DoesNotContain("alice", decision.Operator, StringComparison.Ordinal);
    }

    [Fact]
    public void The_right_key_lets_a_machine_in_named_by_the_key_s_fingerprint()
    {
        var decision = OperatorAccess.Decide(Request(false, new() { [ApiSecurity.OperatorKeyHeader] = Key }));

        Assert.Equal(OperatorCredential.Key, decision.Credential);
        Assert.Matches("^operator:key-[0-9a-f]{8}$", decision.Operator);
        Assert.DoesNotContain(Key, decision.Operator, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong-key")]
    [InlineData("")]
    [InlineData(Key + "x")]
    public void A_wrong_or_missing_key_is_401(string presented)
    {
        var decision = OperatorAccess.Decide(Request(false, new() { [ApiSecurity.OperatorKeyHeader] = presented }));

        Assert.Equal(401, Status(decision));
        Assert.Null(decision.Operator);
    }

    [Fact]
    public void The_key_is_read_from_the_header_only_never_from_the_address()
    {
        var request = Request(false, []);
        request.QueryString = new QueryString("?code=" + Key);

        Assert.Equal(401, Status(OperatorAccess.Decide(request)));
    }

    [Fact]
    public void With_no_operator_key_configured_no_key_gets_in_not_even_an_empty_one()
    {
        Assert.Equal(401, Status(OperatorAccess.Decide(Request(false, new() { [ApiSecurity.OperatorKeyHeader] = "" }, operatorKey: null))));
        Assert.Equal(401, Status(OperatorAccess.Decide(Request(false, new() { [ApiSecurity.OperatorKeyHeader] = "anything" }, operatorKey: ""))));
    }

    [Fact]
    public void With_platform_authentication_on_a_401_says_where_to_sign_in()
    {
        var decision = OperatorAccess.Decide(Request(true, []));

        Assert.Equal(401, Status(decision));
        Assert.Equal(OperatorAccess.SignInPath, decision.Problem!.ProblemDetails.Extensions[OperatorAccess.SignInMember]);
    }

    [Fact]
    public void Machines_keep_their_key_while_sign_in_is_on()
    {
        var decision = OperatorAccess.Decide(Request(true, new() { [ApiSecurity.OperatorKeyHeader] = Key }));

        Assert.Equal(OperatorCredential.Key, decision.Credential);
        Assert.Equal(KeyName, decision.Operator);
    }

    [Fact]
    public void Both_a_person_with_the_role_and_the_key_name_the_person()
    {
        var headers = Alice();
        headers[ApiSecurity.OperatorKeyHeader] = Key;

        var decision = OperatorAccess.Decide(Request(true, headers));

        Assert.Equal(OperatorCredential.SignIn, decision.Credential);
        Assert.Equal("operator:alice@contoso.com", decision.Operator);
    }

    [Fact]
    public void A_person_with_the_role_and_a_wrong_key_is_let_in_as_the_person()
    {
        var headers = Alice();
        headers[ApiSecurity.OperatorKeyHeader] = "wrong-key";

        Assert.Equal(OperatorCredential.SignIn, OperatorAccess.Decide(Request(true, headers)).Credential);
    }

    [Fact]
    public void A_person_without_the_role_but_with_the_key_is_let_in_by_the_key_and_named_by_it()
    {
        // The key is the credential that granted access, so the audit names it; the person alone would be 403.
        var headers = Alice(withRole: false);
        headers[ApiSecurity.OperatorKeyHeader] = Key;

        var decision = OperatorAccess.Decide(Request(true, headers));

        Assert.Equal(OperatorCredential.Key, decision.Credential);
        Assert.Equal(KeyName, decision.Operator);
    }

    [Fact]
    public void The_audit_name_is_the_gate_s_and_a_refused_request_has_none()
    {
        Assert.Equal("operator:alice@contoso.com", OperatorIdentity.Of(Request(true, Alice())));
        Assert.Equal(KeyName, OperatorIdentity.Of(Request(false, new() { [ApiSecurity.OperatorKeyHeader] = Key })));
        Assert.Equal("operator", OperatorIdentity.Of(Request(false, Alice())));
    }

    [Fact]
    public void A_request_without_services_trusts_no_principal_and_knows_no_key()
    {
        var context = new DefaultHttpContext();
        foreach (var (name, value) in Alice())
        {
            context.Request.Headers[name] = value;
        }

        context.Request.Headers[ApiSecurity.OperatorKeyHeader] = Key;

        Assert.Equal(401, Status(OperatorAccess.Decide(context.Request)));
    }

    [Theory]
    [InlineData("True", true)]
    [InlineData("true", true)]
    [InlineData("False", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_WEBSITE_AUTH_ENABLED_True_makes_the_headers_trusted(string? value, bool trusted)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [AppServicePrincipal.AuthEnabledSetting] = value }).Build();

        Assert.Equal(trusted, AppServicePrincipal.IsPlatformAuthenticationOn(configuration));
    }

    [Fact]
    public void The_claims_header_names_the_person_when_the_name_header_is_absent()
    {
        var request = Request(true, new()
        {
            [AppServicePrincipal.ClaimsHeader] = Principal("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", ("oid", "0b1c"), ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "bob@contoso.com"), (RoleClaim, OperatorAccess.Role)),
        });

        Assert.Equal("operator:bob@contoso.com", OperatorAccess.Decide(request).Operator);
    }

    [Fact]
    public void Without_a_name_the_object_id_names_the_principal()
    {
        var headers = new Dictionary<string, string>
        {
            [AppServicePrincipal.IdHeader] = "0b1c2d3e-0000-4000-8000-000000000001",
            [AppServicePrincipal.ClaimsHeader] = Principal(null, (RoleClaim, OperatorAccess.Role)),
        };

        Assert.Equal("operator:id-0b1c2d3e-0000-4000-8000-000000000001", OperatorAccess.Decide(Request(true, headers)).Operator);
    }

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("bm90IGpzb24=")]
    [InlineData("eyJjbGFpbXMiOiAxfQ==")]
    public void A_malformed_claims_header_holds_no_role(string header)
    {
        var headers = new Dictionary<string, string> { [AppServicePrincipal.NameHeader] = "alice@contoso.com", [AppServicePrincipal.ClaimsHeader] = header };

        Assert.Equal(403, Status(OperatorAccess.Decide(Request(true, headers))));
        headers[ApiSecurity.OperatorKeyHeader] = Key;
        Assert.Equal(KeyName, OperatorAccess.Decide(Request(true, headers)).Operator);
    }

    [Fact]
    public void Control_and_invisible_characters_are_dropped_and_the_name_is_bounded()
    {
        var headers = Alice();
        headers[AppServicePrincipal.NameHeader] = "eve\u0001@contoso.com\u202Emoc.live" + new string('x', 500);

        var name = OperatorAccess.Decide(Request(true, headers)).Operator!;

        Assert.StartsWith("operator:eve@contoso.commoc.live", name, StringComparison.Ordinal);
        Assert.DoesNotContain(name, char.IsControl);
        Assert.DoesNotContain('\u202E', name);
        Assert.Equal("operator:".Length + AppServicePrincipal.MaxNameLength, name.Length);
    }

    [Fact]
    public void A_name_of_nothing_but_invisible_characters_falls_back_to_the_claims()
    {
        var headers = Alice();
        headers[AppServicePrincipal.NameHeader] = "\u200B\u0007 ";

        Assert.Equal("operator:alice@contoso.com", OperatorAccess.Decide(Request(true, headers)).Operator);
    }

    [Fact]
    public void The_decision_is_made_once_per_request_so_the_gate_and_the_audit_agree()
    {
        var request = Request(true, Alice());

        var first = OperatorAccess.Decide(request);
        request.Headers[AppServicePrincipal.NameHeader] = "someone.else@contoso.com";

        Assert.Same(first, OperatorAccess.Decide(request));
    }

    [Theory]
    [InlineData("POST", "cross-site", 403)]
    [InlineData("DELETE", "same-site", 403)]
    [InlineData("POST", "same-origin", 0)]
    [InlineData("POST", "", 0)]
    [InlineData("GET", "cross-site", 0)]
    public void A_sign_in_cookie_cannot_make_a_change_from_another_site(string method, string fetchSite, int status)
    {
        // The session cookie goes with any request the browser makes, a form posted by another site's page included.
        var headers = Alice();
        if (fetchSite.Length > 0)
        {
            headers["Sec-Fetch-Site"] = fetchSite;
        }

        var request = Request(true, headers);
        request.Method = method;
        var decision = OperatorAccess.Decide(request);

        Assert.Equal(status, decision.Problem?.StatusCode ?? 0);
    }

    [Fact]
    public void Who_am_I_answers_the_caller_the_gate_let_in()
    {
        var answer = OperatorApi.WhoAmI(Request(true, Alice())).Result;

        var session = Assert.IsType<Ok<OperatorSession>>(answer).Value!;
        Assert.Equal(new OperatorSession("alice@contoso.com", "operator:alice@contoso.com", OperatorCredential.SignIn), session);
    }
}
