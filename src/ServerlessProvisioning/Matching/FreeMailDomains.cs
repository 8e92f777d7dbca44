namespace ServerlessProvisioning.Matching;

/// <summary>
/// Domains anyone can get an address at. Sharing one is weak evidence of belonging to an organization,
/// so Rule B narrows to whole-name matches for them (SPEC §2).
/// </summary>
public sealed class FreeMailDomains
{
    /// <summary>The built-in list, replaced as a whole by <c>Provisioning:FreeMailDomains</c>.</summary>
    public static readonly IReadOnlyList<string> BuiltIn =
    [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.es", "hotmail.co.uk", "live.com",
        "msn.com", "yahoo.com", "yahoo.es", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com", "mac.com",
        "aol.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "proton.me", "protonmail.com",
        "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com",
    ];

    readonly HashSet<string> domains;

    /// <summary>Creates the set from domains in any case or script; they are compared in their ASCII form.</summary>
    public FreeMailDomains(IEnumerable<string> domains)
    {
        this.domains = new HashSet<string>(StringComparer.Ordinal);
        foreach (var domain in domains)
        {
            var trimmed = domain.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            this.domains.Add(EmailAddress.DomainOf("x@" + trimmed) ?? trimmed.ToLowerInvariant());
        }
    }

    /// <summary>The built-in set.</summary>
    public static FreeMailDomains Default { get; } = new(BuiltIn);

    /// <summary>Parses the comma-separated configuration value; null or blank means the built-in list.</summary>
    public static FreeMailDomains FromSetting(string? commaSeparated) =>
        string.IsNullOrWhiteSpace(commaSeparated) ? Default : new FreeMailDomains(commaSeparated.Split(','));

    /// <summary>Whether the ASCII lower-case domain is a free-mail domain.</summary>
    public bool Contains(string asciiDomain) => domains.Contains(asciiDomain);

    /// <summary>The domains in the set, sorted.</summary>
    public IEnumerable<string> All => domains.Order(StringComparer.Ordinal);
}
