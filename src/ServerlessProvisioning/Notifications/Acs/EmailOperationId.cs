using ServerlessProvisioning.Primitives;

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
        return NameBasedGuid.CreateVersion5(Namespace, idempotencyKey);
    }
}
