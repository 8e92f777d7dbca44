using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessProvisioning.Primitives;

/// <summary>The one JSON shape of the product: camelCase, enums as strings, nulls omitted.</summary>
public static class Json
{
    /// <summary>Options for every JSON the product reads or writes.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Serializes with <see cref="Options"/>.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Deserializes with <see cref="Options"/>.</summary>
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    /// <summary>
    /// Parses an enum member by its exact name only: no numbers, no "A,B" combinations, no padding, no other case —
    /// where <see cref="Enum.TryParse{TEnum}(string, out TEnum)"/> would accept all of those.
    /// </summary>
    public static bool TryParseEnum<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        return text is not null && Enum.GetNames<TEnum>().Contains(text, StringComparer.Ordinal) && Enum.TryParse(text, out value);
    }

    /// <summary>An enum member as JSON names it: its <see cref="JsonStringEnumMemberNameAttribute"/> name when it has one (<c>"withdrawn"</c>), else its own.</summary>
    public static string NameOf<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonSerializer.Deserialize<string>(Serialize(value), Options)!;

    /// <summary>Parses an enum member by the name JSON gives it (<see cref="NameOf{TEnum}"/>), exactly.</summary>
    public static bool TryParseName<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var member in Enum.GetValues<TEnum>())
        {
            if (NameOf(member) == text)
            {
                value = member;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Applies the product's settings to options owned by a host.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter());
        // Names such as Lucía or 株式会社 stay readable; characters that matter in HTML are still escaped.
        options.Encoder = JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All);
    }

    static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
