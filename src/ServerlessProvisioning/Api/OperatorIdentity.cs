using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Http;

namespace ServerlessProvisioning.Api;

/// <summary>
/// Names the operator behind a request for the audit trail. A person signed in through App Service Authentication
/// (Microsoft Entra ID) is named by their sign-in name, "operator:alice@contoso.com". Otherwise the operator is named
/// by the key they used, never by the key itself: "operator:key-" and the first 8 hex digits of its SHA-256, so two
/// keys give two names.
/// </summary>
public static class OperatorIdentity
{
    /// <summary>Set to <c>True</c> by App Service itself while App Service Authentication is on for the app.</summary>
    public const string AppServiceAuthEnabledSetting = "WEBSITE_AUTH_ENABLED";

    /// <summary>The signed-in principal's name, as App Service Authentication passes it.</summary>
    public const string PrincipalNameHeader = "X-MS-CLIENT-PRINCIPAL-NAME";

    /// <summary>The signed-in principal's object id.</summary>
    public const string PrincipalIdHeader = "X-MS-CLIENT-PRINCIPAL-ID";

    /// <summary>The signed-in principal's claims: base64 JSON <c>{ auth_typ, name_typ, claims: [{ typ, val }] }</c>.</summary>
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The longest name written to the audit trail; longer ones are cut.</summary>
    public const int MaxNameLength = 128;

    // Claims that carry a person's sign-in name, best first, when the header names none.
    static readonly string[] NameClaims =
    [
        "preferred_username",
        "upn",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
        "email",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "name",
    ];

    /// <summary>
    /// The operator's name for the audit trail. The App Service principal headers count only when the app's
    /// configuration says App Service Authentication is on (<see cref="AppServiceAuthEnabledSetting"/>): only then
    /// does the platform strip copies a client sent, so anywhere else (the local host, Core Tools) they are ignored.
    /// </summary>
    public static string Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var configuration = request.HttpContext.RequestServices?.GetService<IConfiguration>();
        return Of(request, TrustsPlatformPrincipal(configuration));
    }

    /// <summary>The operator's name, trusting the App Service principal headers only when <paramref name="trustPlatformPrincipal"/>.</summary>
    public static string Of(HttpRequest request, bool trustPlatformPrincipal)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (trustPlatformPrincipal && PrincipalName(request) is { } name)
        {
            return "operator:" + name;
        }

        var key = request.Headers[ApiSecurity.OperatorKeyHeader].ToString();
        if (key.Length == 0)
        {
            key = request.Query["code"].ToString();
        }

        return key.Length == 0 ? "operator" : "operator:key-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8];
    }

    /// <summary>Whether App Service Authentication is on, so the principal headers come from the platform.</summary>
    public static bool TrustsPlatformPrincipal(IConfiguration? configuration) =>
        string.Equals(configuration?[AppServiceAuthEnabledSetting], "True", StringComparison.OrdinalIgnoreCase);

    /// <summary>The signed-in principal's name from the App Service headers, made safe for the audit trail; null when none.</summary>
    public static string? PrincipalName(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Clean(request.Headers[PrincipalNameHeader].ToString())
            ?? Clean(NameFromClaims(request.Headers[PrincipalHeader].ToString()))
            ?? (Clean(request.Headers[PrincipalIdHeader].ToString()) is { } id ? "id-" + id : null);
    }

    static string? NameFromClaims(string encoded)
    {
        if (encoded.Length == 0 || encoded.Length > 64 * 1024)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(encoded));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var nameType = root.TryGetProperty("name_typ", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            var values = claims.EnumerateArray()
                .Where(c => c.ValueKind == JsonValueKind.Object
                            && c.TryGetProperty("typ", out var t) && t.ValueKind == JsonValueKind.String
                            && c.TryGetProperty("val", out var v) && v.ValueKind == JsonValueKind.String)
                .Select(c => (Type: c.GetProperty("typ").GetString()!, Value: c.GetProperty("val").GetString()!))
                .ToList();
            foreach (var type in nameType is null ? NameClaims : [nameType, .. NameClaims])
            {
                if (values.FirstOrDefault(c => c.Type == type).Value is { Length: > 0 } value)
                {
                    return value;
                }
            }

            return null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    // No control or invisible formatting characters (a name must not forge lines or reorder text in the audit),
    // no surrounding spaces, at most MaxNameLength characters.
    static string? Clean(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var kept = new StringBuilder(Math.Min(value.Length, MaxNameLength));
        foreach (var rune in value.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                continue;
            }

            if (kept.Length + rune.Utf16SequenceLength > MaxNameLength)
            {
                break;
            }

            kept.Append(rune.ToString());
        }

        var cleaned = kept.ToString().Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }
}
