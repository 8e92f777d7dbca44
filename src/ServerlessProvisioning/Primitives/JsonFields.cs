using System.Text.Json;

namespace ServerlessProvisioning.Primitives;

/// <summary>Small helpers to read JSON fields with typed, per-field errors.</summary>
public static class JsonFields
{
    /// <summary>
    /// Reads a string field; records an error for a wrong type, a blank required value, control characters (line
    /// breaks and tabs only where <paramref name="allowLineBreaks"/>: free text such as a comment) or excess length.
    /// </summary>
    public static string? Text(JsonElement parent, string name, Dictionary<string, string[]> errors, bool required, int maxLength, string? field = null, bool allowLineBreaks = true)
    {
        ArgumentNullException.ThrowIfNull(errors);
        field ??= name;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[field] = ["This field is required."];
            }

            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            errors[field] = ["This field must be a string."];
            return null;
        }

        string value;
        try
        {
            value = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8 bytes or an unpaired \uD800-style escape: not text at all.
            errors[field] = ["This field must be valid Unicode text."];
            return null;
        }

        if (required && string.IsNullOrWhiteSpace(value))
        {
            errors[field] = ["This field is required."];
            return null;
        }

        if (value.Length > maxLength)
        {
            errors[field] = [$"At most {maxLength} characters."];
            return null;
        }

        if (value.Any(c => char.IsControl(c) && !(allowLineBreaks && c is '\t' or '\n' or '\r')) || value.Any(char.IsSurrogate) && !IsWellFormed(value))
        {
            errors[field] = ["Control characters and broken Unicode are not accepted."];
            return null;
        }

        return value;
    }

    /// <summary>Reads an enum field by its exact member name (<see cref="Json.TryParseEnum{TEnum}(string?, out TEnum)"/>).</summary>
    public static TEnum? Enum<TEnum>(JsonElement parent, string name, Dictionary<string, string[]> errors, bool required, string? field = null)
        where TEnum : struct, System.Enum
    {
        ArgumentNullException.ThrowIfNull(errors);
        field ??= name;
        var text = Text(parent, name, errors, required, maxLength: 64, field, allowLineBreaks: false);
        if (text is null)
        {
            return null;
        }

        if (Json.TryParseEnum<TEnum>(text, out var value))
        {
            return value;
        }

        errors[field] = [$"One of {string.Join(", ", System.Enum.GetNames<TEnum>())}."];
        return null;
    }

    /// <summary>The items of an optional array field with their paths (<c>users[0]</c>); records an error for a non-array or one over <paramref name="maxItems"/>.</summary>
    public static IEnumerable<(JsonElement Item, string Path)> Items(JsonElement parent, string name, Dictionary<string, string[]> errors, int maxItems, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        field ??= name;
        if (!parent.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() > maxItems)
        {
            errors[field] = [$"An array of at most {maxItems} items."];
            return [];
        }

        return array.EnumerateArray().Select((item, index) => (item, $"{field}[{index}]"));
    }

    /// <summary>The string of a JSON string value, or null when it is not valid text (a lone surrogate escape such as \ud800).</summary>
    public static string? SafeString(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
