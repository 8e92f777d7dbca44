using System.Globalization;
using System.Text;

namespace ServerlessProvisioning.Matching;

/// <summary>Normalizes company names and derives the 5-character key Rule B compares (SPEC §2).</summary>
public static class CompanyName
{
    /// <summary>How many characters of the normalized name the key keeps.</summary>
    public const int KeyLength = 5;

    /// <summary>The longest company name accepted from the wizard or an import.</summary>
    public const int MaxLength = 200;

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

    /// <summary>The first <see cref="KeyLength"/> characters (Unicode scalars) of the normalized name; empty when nothing is left.</summary>
    public static string Key(string? name) => KeyOfNormalized(Normalize(name));

    /// <summary>The key of a name that is already normalized.</summary>
    public static string KeyOfNormalized(string normalized)
    {
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

        return builder.ToString();
    }
}
