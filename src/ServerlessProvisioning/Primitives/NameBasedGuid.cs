using System.Security.Cryptography;
using System.Text;

namespace ServerlessProvisioning.Primitives;

/// <summary>
/// Name-based UUIDs (RFC 9562 version 5, SHA-1): the same namespace and name always give the same id, so an id
/// derived in a retried activity or a replayed orchestration is the id of the first run.
/// </summary>
public static class NameBasedGuid
{
    /// <summary>A version 5 UUID of <paramref name="name"/> (UTF-8) in <paramref name="namespaceId"/>, per RFC 9562 §5.5.</summary>
    public static Guid CreateVersion5(Guid namespaceId, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var input = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        namespaceId.TryWriteBytes(input, bigEndian: true, out _);
        Encoding.UTF8.GetBytes(name, input.AsSpan(16));

        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // Version 5 UUIDs are defined on SHA-1; this names things, it protects nothing.
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
