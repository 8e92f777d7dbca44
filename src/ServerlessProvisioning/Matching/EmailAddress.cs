using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Matching;

/// <summary>
/// An email address as the product compares it: its identity is the trimmed, lower-cased local part and the domain
/// after the last '@' lower-cased and mapped to ASCII (punycode).
/// </summary>
public sealed record EmailAddress
{
    /// <summary>The longest address accepted (RFC 5321 path limit).</summary>
    public const int MaxLength = FieldLimits.Email;

    static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    EmailAddress(string value, string domain)
    {
        Value = value;
        Domain = domain;
    }

    /// <summary>The address's identity (<see cref="Normalize"/>): the key of admin-email equality.</summary>
    public string Value { get; }

    /// <summary>The ASCII (punycode) lower-case domain.</summary>
    public string Domain { get; }

    /// <inheritdoc/>
    public override string ToString() => Value;

    /// <summary>
    /// The identity of an address (SPEC §2, revised 2026-11-28): its trimmed, lower-cased local part and its ASCII (IDN)
    /// domain, so <c>chef@Bücher.de</c> and <c>chef@xn--bcher-kva.de</c> are one person everywhere — Rule A, members,
    /// admins, indexes, approvals. Does not validate: a domain that is not one is only lower-cased.
    /// </summary>
    public static string Normalize(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var trimmed = address.Trim();
        var at = trimmed.LastIndexOf('@');
        if (at < 0 || at == trimmed.Length - 1)
        {
            return trimmed.ToLowerInvariant();
        }

        var local = trimmed[..at].ToLowerInvariant();
        return TryMapDomain(trimmed[(at + 1)..], out var domain) ? $"{local}@{domain}" : trimmed.ToLowerInvariant();
    }

    /// <summary>Whether two addresses are the same person (<see cref="Normalize"/>).</summary>
    public static bool SamePerson(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    /// <summary>The domain of an address (after the last '@', IDN to ASCII, lower case), or null when it has none.</summary>
    public static string? DomainOf(string address)
    {
        var trimmed = address.Trim();
        var at = trimmed.LastIndexOf('@');
        if (at < 0 || at == trimmed.Length - 1)
        {
            return null;
        }

        return TryMapDomain(trimmed[(at + 1)..], out var domain) ? domain : null;
    }

    /// <summary>Parses a mailbox address strictly: a dot-atom local part and a DNS domain (IDN allowed).</summary>
    public static bool TryParse(string? input, [NotNullWhen(true)] out EmailAddress? address, out string? error)
    {
        address = null;
        error = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            error = "An email address is required.";
            return false;
        }

        var trimmed = input.Trim();
        if (trimmed.Length > MaxLength)
        {
            error = $"An email address has at most {MaxLength} characters.";
            return false;
        }

        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1 || trimmed.IndexOf('@') != at)
        {
            error = "An email address has the form name@domain.";
            return false;
        }

        var local = trimmed[..at];
        if (!IsDotAtom(local))
        {
            error = "The part before '@' may hold letters, digits and . ! # $ % & ' * + - / = ? ^ _ ` { | } ~, with no leading, trailing or double dot.";
            return false;
        }

        if (!TryMapDomain(trimmed[(at + 1)..], out var domain))
        {
            error = "The part after '@' is not a valid domain name.";
            return false;
        }

        address = new EmailAddress(Normalize(trimmed), domain);
        return true;
    }

    static bool IsDotAtom(string local)
    {
        if (local.Length is 0 or > 64 || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in local)
        {
            var ok = c switch
            {
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' => true,
                '.' or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/' or '=' or '?' or '^' or '_' or '`' or '{' or '|' or '}' or '~' => true,
                // RFC 6531 allows UTF-8 local parts; accept letters and digits beyond ASCII, nothing else.
                _ => c > 127 && (char.IsLetterOrDigit(c) || char.IsSurrogate(c)),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    static bool TryMapDomain(string raw, [NotNullWhen(true)] out string? domain)
    {
        domain = null;
        if (raw.Length is 0 or > 253 || raw.EndsWith('.') || raw.StartsWith('.'))
        {
            return false;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(raw).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return false;
        }

        var labels = ascii.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length is 0 or > 63) || labels[^1].All(char.IsAsciiDigit))
        {
            return false;
        }

        if (!ascii.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.') || labels.Any(l => l[0] == '-' || l[^1] == '-'))
        {
            return false;
        }

        domain = ascii;
        return true;
    }
}
