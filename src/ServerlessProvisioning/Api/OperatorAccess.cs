using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Http;

namespace ServerlessProvisioning.Api;

/// <summary>How a caller proved they may use the operator routes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OperatorCredential>))]
public enum OperatorCredential
{
    /// <summary>The operator key in <c>x-functions-key</c>: a machine credential.</summary>
    Key,

    /// <summary>A Microsoft Entra ID sign-in with the app role <see cref="OperatorAccess.Role"/>, through App Service Authentication.</summary>
    SignIn,
}

/// <summary>What <see cref="OperatorAccess"/> decided for one request: who is let in and how, or the problem to answer.</summary>
public sealed record OperatorAccessDecision(string? Operator, OperatorCredential? Credential, ProblemHttpResult? Problem)
{
    /// <summary>Whether the request may go on to the operator route.</summary>
    public bool Allowed => Problem is null;
}

/// <summary>
/// Who may call the operator routes, the one rule both hosts apply before an operator handler runs, and the name the
/// audit trail gives the caller. Either credential lets a request in:
/// <list type="bullet">
/// <item>a person (or application) signed in with Microsoft Entra ID through App Service Authentication and holding the
/// app role <see cref="Role"/>, read from <c>X-MS-CLIENT-PRINCIPAL</c> only while the platform says authentication is on
/// (<see cref="AppServicePrincipal.IsPlatformAuthenticationOn"/>), because only then does it strip copies a client sent;
/// named <c>operator:&lt;sign-in name&gt;</c>;</item>
/// <item>the operator key (<c>Provisioning:OperatorKey</c>, a Key Vault secret in Azure) in <c>x-functions-key</c>,
/// compared in constant time; named <c>operator:key-</c> and the first 8 hex digits of its SHA-256, never the key.</item>
/// </list>
/// Neither: <c>401</c>, which says where to sign in when sign-in is on. Signed in without the role (and no valid key):
/// <c>403</c>. The person wins when both are present, so the audit names who acted rather than which key they held.
/// </summary>
public static class OperatorAccess
{
    /// <summary>The app role a signed-in person needs; the app registration declares it (infra/scripts/operator-sign-in.sh).</summary>
    public const string Role = "Provisioning.Operator";

    /// <summary>Where App Service Authentication signs a person in with Microsoft Entra ID (the <c>aad</c> provider).</summary>
    public const string SignInPath = "/.auth/login/aad";

    /// <summary>The problem member of a <c>401</c> that carries <see cref="SignInPath"/> while sign-in is on.</summary>
    public const string SignInMember = "signIn";

    /// <summary>
    /// The decision for a request, with the key from <see cref="ProvisioningOptions"/> and the platform switch from
    /// configuration, both from the request's services. Made once per request: the gate and the audit name agree.
    /// </summary>
    public static OperatorAccessDecision Decide(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpContext.Items.TryGetValue(typeof(OperatorAccessDecision), out var made) && made is OperatorAccessDecision decision)
        {
            return decision;
        }

        var services = request.HttpContext.RequestServices;
        decision = Decide(
            request,
            services?.GetService<IOptions<ProvisioningOptions>>()?.Value.OperatorKey,
            AppServicePrincipal.IsPlatformAuthenticationOn(services?.GetService<IConfiguration>()));
        request.HttpContext.Items[typeof(OperatorAccessDecision)] = decision;
        return decision;
    }

    /// <summary>The decision with the operator key and the platform switch given.</summary>
    public static OperatorAccessDecision Decide(HttpRequest request, string? operatorKey, bool platformAuthenticationOn)
    {
        ArgumentNullException.ThrowIfNull(request);
        var principal = platformAuthenticationOn ? AppServicePrincipal.From(request) : null;
        if (principal is not null && principal.IsInRole(Role))
        {
            // The sign-in is a cookie the browser sends by itself, so another site's page must not make a change with it.
            return IsCrossSiteChange(request)
                ? new(null, null, Problems.Forbidden("A change made from another site is refused: operator actions come from this app's own pages."))
                : new("operator:" + principal.Name, OperatorCredential.SignIn, null);
        }

        var presented = request.Headers[ApiSecurity.OperatorKeyHeader].ToString();
        if (KeyMatches(presented, operatorKey))
        {
            return new(KeyName(presented), OperatorCredential.Key, null);
        }

        if (principal is not null)
        {
            return new(null, null, Problems.Forbidden($"Signed in as {principal.Name}, without the app role {Role} that operator routes need."));
        }

        return new(null, null, platformAuthenticationOn
            ? Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized",
                $"Operator routes need a Microsoft Entra ID sign-in with the app role {Role} (signIn), or a valid {ApiSecurity.OperatorKeyHeader} header.",
                new Dictionary<string, object?> { [SignInMember] = SignInPath })
            : Problems.Unauthorized($"Operator routes need a valid {ApiSecurity.OperatorKeyHeader} header."));
    }

    /// <summary>The audit trail's name for a key: its fingerprint, so two keys give two names and the key never appears.</summary>
    public static string KeyName(string key) =>
        "operator:key-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8];

    // Browsers say where a request comes from (Sec-Fetch-Site); other clients send no such header and no cookie.
    static bool IsCrossSiteChange(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        && request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site";

    // Hashing first makes the comparison constant-time whatever the lengths; no configured key lets no key in.
    static bool KeyMatches(string presented, string? expected) =>
        !string.IsNullOrEmpty(expected) && presented.Length > 0
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
