using System.Security.Cryptography;
using System.Text;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>
/// The ACS <c>Operation-Id</c> of an email: a name-based UUID (RFC 9562 version 5, SHA-1) of its idempotency
/// key. Every attempt to send the same email (an HTTP retry, a retried activity, a replayed orchestration)
/// presents the same id, and ACS accepts an id once, so the email goes out once.
/// </summary>
public static class EmailOperationId
{
    /// <summary>
    /// The namespace of our ids. Fixed for good: changing it gives in-flight emails new ids, and a retry
    /// straddling the change would be sent twice.
    /// </summary>
    public static Guid Namespace { get; } = new("7a74f104-d07e-4267-b17f-31c1524cf85c");

    /// <summary>The operation id of the email with <paramref name="idempotencyKey"/>.</summary>
    public static Guid FromIdempotencyKey(string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        return CreateVersion5(Namespace, idempotencyKey);
    }

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
