using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Api;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>
/// Who the audit names: a person signed in through App Service Authentication when the platform vouches for the
/// headers (WEBSITE_AUTH_ENABLED), else the Functions key's fingerprint; a client can never forge a principal.
/// </summary>
public class OperatorIdentityTests
{
    const string Key = "operator-function-key-0123456789";

    static HttpRequest Request(bool appServiceAuthOn, Dictionary<string, string> headers)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(appServiceAuthOn ? new Dictionary<string, string?> { [OperatorIdentity.AppServiceAuthEnabledSetting] = "True" } : [])
            .Build();
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddSingleton<IConfiguration>(configuration).BuildServiceProvider() };
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }

    static string KeyName => OperatorIdentity.Of(Request(false, new() { ["x-functions-key"] = Key }));

    static string EncodedPrincipal(string? nameType, params (string Type, string Value)[] claims) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["auth_typ"] = "aad",
            ["name_typ"] = nameType,
            ["claims"] = claims.Select(c => new { typ = c.Type, val = c.Value }).ToArray(),
        })));

    [Fact]
    public void With_App_Service_Authentication_on_the_audit_names_the_signed_in_person()
    {
        var request = Request(true, new() { [OperatorIdentity.PrincipalNameHeader] = "alice@contoso.com", [OperatorIdentity.PrincipalIdHeader] = "0b1c2d3e-0000-4000-8000-000000000001", ["x-functions-key"] = Key });

        Assert.Equal("operator:alice@contoso.com", OperatorIdentity.Of(request));
    }

    [Fact]
    public void Without_App_Service_Authentication_forged_principal_headers_are_ignored()
    {
        // The local host and Core Tools pass any header through: a client could claim to be anyone.
        var request = Request(false, new()
        {
            [OperatorIdentity.PrincipalNameHeader] = "ceo@contoso.com",
            [OperatorIdentity.PrincipalHeader] = EncodedPrincipal(null, ("preferred_username", "ceo@contoso.com")),
            ["x-functions-key"] = Key,
        });

        var name = OperatorIdentity.Of(request);

        Assert.Equal(KeyName, name);
        Assert.StartsWith("operator:key-", name, StringComparison.Ordinal);
        Assert.DoesNotContain("ceo", name, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_without_services_trusts_no_principal()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[OperatorIdentity.PrincipalNameHeader] = "ceo@contoso.com";

        Assert.Equal("operator", OperatorIdentity.Of(context.Request));
    }

    [Theory]
    [InlineData("True", true)]
    [InlineData("true", true)]
    [InlineData("False", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_WEBSITE_AUTH_ENABLED_True_makes_the_headers_trusted(string? value, bool trusted)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [OperatorIdentity.AppServiceAuthEnabledSetting] = value }).Build();

        Assert.Equal(trusted, OperatorIdentity.TrustsPlatformPrincipal(configuration));
    }

    [Fact]
    public void Machine_callers_with_a_Functions_key_keep_their_key_name_when_sign_in_is_on()
    {
        var request = Request(true, new() { ["x-functions-key"] = Key });

        Assert.Equal(KeyName, OperatorIdentity.Of(request));
    }

    [Fact]
    public void The_claims_header_names_the_person_when_the_name_header_is_absent()
    {
        var request = Request(true, new()
        {
            [OperatorIdentity.PrincipalHeader] = EncodedPrincipal("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", ("oid", "0b1c"), ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "bob@contoso.com")),
        });

        Assert.Equal("operator:bob@contoso.com", OperatorIdentity.Of(request));
    }

    [Fact]
    public void Without_a_name_the_object_id_names_the_principal()
    {
        var request = Request(true, new() { [OperatorIdentity.PrincipalIdHeader] = "0b1c2d3e-0000-4000-8000-000000000001" });

        Assert.Equal("operator:id-0b1c2d3e-0000-4000-8000-000000000001", OperatorIdentity.Of(request));
    }

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("bm90IGpzb24=")]
    [InlineData("eyJjbGFpbXMiOiAxfQ==")]
    public void A_malformed_claims_header_falls_back_to_the_key(string header)
    {
        var request = Request(true, new() { [OperatorIdentity.PrincipalHeader] = header, ["x-functions-key"] = Key });

        Assert.Equal(KeyName, OperatorIdentity.Of(request));
    }

    [Fact]
    public void Control_and_invisible_characters_are_dropped_and_the_name_is_bounded()
    {
        var request = Request(true, new() { [OperatorIdentity.PrincipalNameHeader] = "eve\u0001@contoso.com\u202Emoc.live" + new string('x', 500) });

        var name = OperatorIdentity.Of(request);

        Assert.StartsWith("operator:eve@contoso.commoc.live", name, StringComparison.Ordinal);
        Assert.DoesNotContain(name, char.IsControl);
        Assert.DoesNotContain('\u202E', name);
        Assert.Equal("operator:".Length + OperatorIdentity.MaxNameLength, name.Length);
    }

    [Fact]
    public void A_name_of_nothing_but_invisible_characters_counts_as_no_name()
    {
        var request = Request(true, new() { [OperatorIdentity.PrincipalNameHeader] = "\u200B\u0007 ", ["x-functions-key"] = Key });

        Assert.Equal(KeyName, OperatorIdentity.Of(request));
    }
}
