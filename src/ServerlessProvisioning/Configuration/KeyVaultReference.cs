using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Configuration;

/// <summary>
/// A Key Vault reference the platform left unresolved. App Service and Functions replace a setting of the form
/// <c>@Microsoft.KeyVault(SecretUri=…)</c> or <c>@Microsoft.KeyVault(VaultName=…;SecretName=…)</c> with the secret;
/// when the app's identity cannot read it, the setting keeps the reference text itself. That text is no secret (it
/// is in the deployment, and anyone who can read the app's settings sees it), so a host using it as one would sign
/// webhooks, derive link tokens or open operator routes with a key others know. The options validators stop the host
/// instead.
/// </summary>
public static partial class KeyVaultReference
{
    /// <summary>
    /// Whether <paramref name="value"/> is such a reference (any case, surrounding whitespace allowed). A value that
    /// merely starts like one counts too: the platform does not resolve a malformed reference either.
    /// </summary>
    public static bool IsUnresolved(string? value) => value is not null && Reference().IsMatch(value);

    /// <summary>The one-line start-up failure for the setting <paramref name="key"/>; it never carries the value.</summary>
    public static string Failure(string key) =>
        $"{key} is an unresolved Key Vault reference: the app's identity cannot read the secret (check the Key Vault role assignment and the reference).";

    [GeneratedRegex(@"^\s*@Microsoft\.KeyVault\(", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Reference();
}
