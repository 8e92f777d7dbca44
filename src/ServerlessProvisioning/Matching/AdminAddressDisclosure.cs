using System.Text;

namespace ServerlessProvisioning.Matching;

/// <summary>
/// What the contact (the wizard) may see of a candidate's full administrators (rules.md, "What the contact sees of
/// a candidate"): an address is shown whole only when the proven admin address is at the same domain and that domain
/// is not free-mail; otherwise it is masked (<c>s•••@gmail.com</c>) and the administrator's name kept. Anyone can get
/// an address at a free-mail domain and type a small firm's exact name, so sharing gmail.com proves nothing. The
/// approval page and the operator console, read by the organization's administrators and operators, keep whole addresses.
/// </summary>
public static class AdminAddressDisclosure
{
    /// <summary>What stands for the hidden part of a local part.</summary>
    public const string Hidden = "•••";

    /// <summary>The candidates as the contact sees them: every address masked unless <see cref="ShowsWhole"/>.</summary>
    public static IReadOnlyList<Candidate>? ForContact(IReadOnlyList<Candidate>? candidates, string? provenAdmin, FreeMailDomains freeMail)
    {
        ArgumentNullException.ThrowIfNull(freeMail);
        return candidates?.Select(c => c with
        {
            FullAdmins = c.FullAdmins.Select(a => ShowsWhole(a.Email, provenAdmin, freeMail) ? a : a with { Email = Mask(a.Email) }).ToList(),
        }).ToList();
    }

    /// <summary>
    /// Whether an administrator's address may be shown whole to whoever proved <paramref name="provenAdmin"/>: the same
    /// domain (IDN compared in ASCII) and not a free-mail one; and the proven address itself, which is theirs. No
    /// proven address, no whole address.
    /// </summary>
    public static bool ShowsWhole(string adminEmail, string? provenAdmin, FreeMailDomains freeMail)
    {
        ArgumentNullException.ThrowIfNull(adminEmail);
        ArgumentNullException.ThrowIfNull(freeMail);
        if (provenAdmin is null)
        {
            return false;
        }

        var provenDomain = EmailAddress.DomainOf(provenAdmin);
        return EmailAddress.SamePerson(adminEmail, provenAdmin)
            || (provenDomain is not null
                && !freeMail.Contains(provenDomain)
                && string.Equals(EmailAddress.DomainOf(adminEmail), provenDomain, StringComparison.Ordinal));
    }

    /// <summary>
    /// The address with its local part cut to its first character and <see cref="Hidden"/>: <c>sam@gmail.com</c> →
    /// <c>s•••@gmail.com</c>; the domain is kept as stored. Never longer than needed to hint whose it is.
    /// </summary>
    public static string Mask(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        var at = email.LastIndexOf('@');
        var local = at < 0 ? email : email[..at];
        var domain = at < 0 ? string.Empty : email[at..];
        var first = local.Length > 0 && Rune.TryGetRuneAt(local, 0, out var rune) ? rune.ToString() : string.Empty;
        return first + Hidden + domain;
    }
}
