using Azure.Data.Tables;

namespace ServerlessProvisioning.Storage;

/// <summary>
/// Stores a JSON document across several string properties of one entity. A string property holds at most
/// 64 KiB (32K UTF-16 characters) while an entity may reach 1 MiB, so large index lists are split.
/// </summary>
public static class ChunkedJson
{
    const int ChunkChars = 30_000;
    const int MaxChunks = 30;

    /// <summary>Writes <paramref name="json"/> into properties named <paramref name="name"/>, <paramref name="name"/>1, …</summary>
    public static void Write(TableEntity entity, string name, string json)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(json);
        var chunks = (json.Length + ChunkChars - 1) / ChunkChars;
        if (chunks > MaxChunks)
        {
            throw new InvalidOperationException($"The '{name}' list of entity '{entity.PartitionKey}' would exceed the size of a table entity.");
        }

        for (var i = 0; i < MaxChunks; i++)
        {
            entity.Remove(PropertyName(name, i));
        }

        for (var i = 0; i < Math.Max(chunks, 1); i++)
        {
            var start = i * ChunkChars;
            entity[PropertyName(name, i)] = json.Length == 0 ? string.Empty : json.Substring(start, Math.Min(ChunkChars, json.Length - start));
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote; null when the entity has no such property.</summary>
    public static string? Read(TableEntity entity, string name)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.GetString(name) is not { } first)
        {
            return null;
        }

        var next = entity.GetString(PropertyName(name, 1));
        if (next is null)
        {
            return first;
        }

        var builder = new System.Text.StringBuilder(first);
        for (var i = 1; entity.GetString(PropertyName(name, i)) is { } chunk; i++)
        {
            builder.Append(chunk);
        }

        return builder.ToString();
    }

    static string PropertyName(string name, int index) =>
        index == 0 ? name : string.Concat(name, index.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
