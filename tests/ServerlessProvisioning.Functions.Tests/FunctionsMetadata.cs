using System.Text.Json;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>One trigger as the Functions host reads it from functions.metadata.</summary>
public sealed record Trigger(string Name, string Type, string? Route, string[] Methods, string? AuthLevel, string EntryPoint);

/// <summary>Reads the functions.metadata the Worker SDK generated for the Functions project.</summary>
public static class FunctionsMetadata
{
    public static IReadOnlyList<Trigger> Load()
    {
        var path = Path.Combine(FunctionsOutput.Directory, "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(f =>
        {
            var trigger = f.GetProperty("bindings").EnumerateArray().First(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
            return new Trigger(
                f.GetProperty("name").GetString()!,
                trigger.GetProperty("type").GetString()!,
                trigger.TryGetProperty("route", out var route) ? route.GetString() : null,
                trigger.TryGetProperty("methods", out var methods) ? methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToArray() : [],
                trigger.TryGetProperty("authLevel", out var auth) ? auth.GetString() : null,
                f.GetProperty("entryPoint").GetString()!);
        }).ToList();
    }
}
