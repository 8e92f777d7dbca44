using System.Globalization;
using System.Text;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Matching;

/// <summary>Normalizes company names and derives the 5-character key Rule B compares (SPEC §2).</summary>
public static class CompanyName
{
    /// <summary>How many characters of the normalized name the key keeps.</summary>
    public const int KeyLength = 5;

    /// <summary>The longest company name accepted from the wizard or an import.</summary>
    public const int MaxLength = FieldLimits.CompanyName;

    /// <summary>What is wrong with a company name as a person enters it (wizard or directory), or null when nothing is.</summary>
    public static string? Problem(string? name)
    {
        var trimmed = name?.Trim();
        return string.IsNullOrEmpty(trimmed) ? "The company name is required."
            : trimmed.Length > MaxLength ? $"The company name has at most {MaxLength} characters."
            : trimmed.Any(char.IsControl) ? "The company name may not contain control characters."
            : HasHiddenCharacters(trimmed) ? "The company name may not contain invisible or text-direction characters."
            : trimmed.Contains("://", StringComparison.Ordinal) ? "The company name may not contain a web address."
            : Key(trimmed).Length == 0 ? "The company name needs at least one letter or digit."
            : null;
    }

    /// <summary>
    /// Whether a name holds zero-width or text-direction characters (U+200B–U+200F, U+202A–U+202E, U+2066–U+2069):
    /// invisible in an email, they can make a name read as something else to the admin who receives it.
    /// </summary>
    public static bool HasHiddenCharacters(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Any(c => c is >= '\u200B' and <= '\u200F' or >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069');
    }

    /// <summary>
    /// NFKD, combining marks dropped, lower-cased invariantly, every non letter-or-digit turned into a
    /// space, runs of spaces collapsed and trimmed. "Telefónica S.A." becomes "telefonica s a".
    /// </summary>
    public static string Normalize(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return string.Empty;
        }

        var decomposed = name.Normalize(NormalizationForm.FormKD);
        var builder = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        foreach (var rune in decomposed.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            if (Rune.IsLetterOrDigit(rune))
            {
                if (pendingSpace && builder.Length > 0)
                {
                    builder.Append(' ');
                }

                pendingSpace = false;
                builder.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else
            {
                pendingSpace = true;
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The name key (SPEC revision 2026-11-28): the normalized name followed by a word end (a space) when it is
    /// shorter than <see cref="KeyLength"/> characters, cut to <see cref="KeyLength"/> characters (Unicode scalars).
    /// "Acme" gives <c>acme </c> like "Acme Corporation"; "HP" gives the short key <c>hp </c>. Empty when nothing is left.
    /// </summary>
    public static string Key(string? name) => KeyOfNormalized(Normalize(name));

    /// <summary>The key of a name that is already normalized.</summary>
    public static string KeyOfNormalized(string normalized)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        if (normalized.Length == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder(KeyLength * 2);
        var count = 0;
        foreach (var rune in normalized.EnumerateRunes())
        {
            if (count == KeyLength)
            {
                break;
            }

            // Normalization never ends on a space, but a 5-character cut can ("acme inc" → "acme ").
            builder.Append(rune.ToString());
            count++;
        }

        // A short name ends where its word ends: "acme" → "acme ", so it meets "Acme Corporation" but not "Acmeware".
        return count < KeyLength ? builder.Append(' ').ToString() : builder.ToString();
    }

    /// <summary>Whether a key is shorter than <see cref="KeyLength"/> characters: it then matches every key that starts with it.</summary>
    public static bool IsShortKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var count = 0;
        foreach (var _ in key.EnumerateRunes())
        {
            if (++count == KeyLength)
            {
                return false;
            }
        }

        return true;
    }
}
