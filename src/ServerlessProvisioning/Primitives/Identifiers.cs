using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Primitives;

/// <summary>The one rule for order, subscription and organization ids: letters, digits and <c>. _ - :</c>, starting with a letter or digit, at most 100 characters.</summary>
public static partial class Identifiers
{
    /// <summary>The longest identifier accepted.</summary>
    public const int MaxLength = FieldLimits.Identifier;

    /// <summary>What to tell someone whose id breaks the rule.</summary>
    public const string Rule = "Letters, digits and . _ - : only, starting with a letter or digit.";

    /// <summary>Whether <paramref name="id"/> follows the rule.</summary>
    public static bool IsValid(string? id) => id is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
    private static partial Regex Pattern();
}
