using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace ServerlessProvisioning.Http;

/// <summary>
/// The person (or application) App Service Authentication signed in, as the platform passes it in the
/// <c>X-MS-CLIENT-PRINCIPAL*</c> headers: a name made safe for the audit trail and the app roles from the token.
/// Read it only while <see cref="IsPlatformAuthenticationOn"/>: only then does the platform strip copies a client sent.
/// </summary>
public sealed record AppServicePrincipal(string Name, IReadOnlyList<string> Roles)
{
    /// <summary>Set to <c>True</c> by App Service itself while App Service Authentication is on for the app (never an app setting).</summary>
    public const string AuthEnabledSetting = "WEBSITE_AUTH_ENABLED";

    /// <summary>The signed-in principal's name, as App Service Authentication passes it.</summary>
    public const string NameHeader = "X-MS-CLIENT-PRINCIPAL-NAME";

    /// <summary>The signed-in principal's object id.</summary>
    public const string IdHeader = "X-MS-CLIENT-PRINCIPAL-ID";

    /// <summary>The signed-in principal's claims: base64 JSON <c>{ auth_typ, name_typ, role_typ, claims: [{ typ, val }] }</c>.</summary>
    public const string ClaimsHeader = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The longest name kept; longer ones are cut.</summary>
    public const int MaxNameLength = 128;

    // The most roles read from one principal: a token carries a handful, a header is not trusted to be small.
    const int MaxRoles = 64;

    // Claims that carry a person's sign-in name, best first, when the name header is absent.
    static readonly string[] NameClaims =
    [
        "preferred_username",
        "upn",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
        "email",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "name",
    ];

    // Entra ID puts app roles in "roles"; App Service may map them to the WS-Federation role type, which role_typ names.
    static readonly string[] RoleClaims = ["roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];

    /// <summary>Whether App Service Authentication is on, so the principal headers come from the platform.</summary>
    public static bool IsPlatformAuthenticationOn(IConfiguration? configuration) =>
        string.Equals(configuration?[AuthEnabledSetting], "True", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the principal holds an app role (role values compare exactly, as Entra ID issues them).</summary>
    public bool IsInRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>
    /// The principal the headers describe, or null when they name nobody. Trusts the headers: call it only when
    /// <see cref="IsPlatformAuthenticationOn"/> says the platform wrote them.
    /// </summary>
    public static AppServicePrincipal? From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var claims = Claims(request.Headers[ClaimsHeader].ToString());
        var name = Clean(request.Headers[NameHeader].ToString())
            ?? Clean(claims?.Name)
            ?? (Clean(request.Headers[IdHeader].ToString()) is { } id ? "id-" + id : null);
        return name is null ? null : new AppServicePrincipal(name, claims?.Roles ?? []);
    }

    static (string? Name, IReadOnlyList<string> Roles)? Claims(string encoded)
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

            string? Text(string property) => root.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            var values = claims.EnumerateArray()
                .Where(c => c.ValueKind == JsonValueKind.Object
                            && c.TryGetProperty("typ", out var t) && t.ValueKind == JsonValueKind.String
                            && c.TryGetProperty("val", out var v) && v.ValueKind == JsonValueKind.String)
                .Select(c => (Type: c.GetProperty("typ").GetString()!, Value: c.GetProperty("val").GetString()!))
                .ToList();
            var nameType = Text("name_typ");
            var name = (nameType is null ? NameClaims : [nameType, .. NameClaims])
                .Select(type => values.FirstOrDefault(c => c.Type == type).Value)
                .FirstOrDefault(value => !string.IsNullOrEmpty(value));
            var roleType = Text("role_typ");
            var roles = values.Where(c => c.Type == roleType || RoleClaims.Contains(c.Type, StringComparer.Ordinal))
                .Select(c => c.Value)
                .Distinct(StringComparer.Ordinal)
                .Take(MaxRoles)
                .ToList();
            return (name, roles);
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
