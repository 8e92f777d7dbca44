using System.Text.Json;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// The result of <c>bicep snapshot</c>: main.bicep evaluated for one set of parameters, modules expanded, every
/// resource it would deploy with its properties. Values known only after deployment stay ARM expressions.
/// </summary>
public sealed class Snapshot(JsonElement root)
{
    /// <summary>The whole snapshot document.</summary>
    public JsonElement Root { get; } = root;

    /// <summary>Every predicted resource.</summary>
    public IReadOnlyList<JsonElement> Resources { get; } = [.. root.GetProperty("predictedResources").EnumerateArray()];

    /// <summary>Deployment outputs (main.bicep's UPPER_SNAKE outputs for azd).</summary>
    public JsonElement Outputs => Root.GetProperty("outputs");

    /// <summary>Resources of one type, e.g. <c>Microsoft.Web/sites</c>.</summary>
    public IReadOnlyList<JsonElement> OfType(string type) =>
        [.. Resources.Where(r => string.Equals(r.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The one resource of a type; fails naming the type otherwise.</summary>
    public JsonElement Only(string type)
    {
        var found = OfType(type);
        Assert.True(found.Count == 1, $"Expected exactly one {type} in the deployment, found {found.Count}.");
        return found[0];
    }

    /// <summary>The function app's app settings, as the deployment writes them.</summary>
    public IReadOnlyDictionary<string, string?> AppSettings
    {
        get
        {
            var configs = OfType("Microsoft.Web/sites/config")
                .Where(c => c.GetProperty("name").GetString()!.EndsWith("/appsettings", StringComparison.OrdinalIgnoreCase))
                .ToList();
            Assert.True(configs.Count == 1, $"Expected the app settings to be written once (one sites/config 'appsettings'), found {configs.Count}.");
            return configs[0].GetProperty("properties").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText(), StringComparer.Ordinal);
        }
    }
}

/// <summary>Reads nested JSON properties by a dotted path with failures that name the path.</summary>
public static class JsonPath
{
    /// <summary>The element at <paramref name="path"/> (e.g. <c>properties.siteConfig.minTlsVersion</c>).</summary>
    public static JsonElement At(this JsonElement element, string path)
    {
        var current = element;
        foreach (var name in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                Assert.Fail($"`{path}` is missing from {Describe(element)}.");
            }
        }

        return current;
    }

    /// <summary>The string at <paramref name="path"/>.</summary>
    public static string? StringAt(this JsonElement element, string path) => element.At(path).GetString();

    /// <summary>The boolean at <paramref name="path"/>; fails if it is not a literal true/false.</summary>
    public static bool BoolAt(this JsonElement element, string path)
    {
        var value = element.At(path);
        Assert.True(value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            $"`{path}` of {Describe(element)} should be a literal boolean, but is {value.GetRawText()}.");
        return value.GetBoolean();
    }

    /// <summary>A resource's type and name for messages.</summary>
    public static string Describe(JsonElement resource) =>
        resource.TryGetProperty("type", out var type) && resource.TryGetProperty("name", out var name)
            ? $"{type.GetString()} '{name.GetString()}'"
            : "the document";
}
