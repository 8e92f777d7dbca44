using Microsoft.Extensions.Logging;

namespace ServerlessProvisioning.Primitives;

/// <summary>
/// The log events operations alerts on and charts (infra/app/alerts.bicep, infra/app/workbook.bicep, docs/operations.md).
/// In Application Insights each is a trace whose <c>Properties.EventName</c> is the event's name and whose other
/// properties are its message template's placeholders (<c>OrderId</c>, <c>Stage</c>, …), so a name or placeholder is a
/// contract: change one only together with the queries (ServerlessProvisioning.Infra.Tests checks the names agree).
/// </summary>
public static class LogEvents
{
    /// <summary>The webhook registered an order (<c>Registration</c>: <c>Created</c> the first time).</summary>
    public static readonly EventId OrderReceived = new(1001, nameof(OrderReceived));

    /// <summary>An order ended (<c>Stage</c>: Completed, Rejected, Expired, Cancelled or Failed; <c>Outcome</c>; for Failed, <c>Activity</c>).</summary>
    public static readonly EventId OrderFinished = new(1002, nameof(OrderFinished));

    /// <summary>The order webhook answered <c>401</c> (<c>Check</c>: Missing, Malformed, Stale or Mismatch).</summary>
    public static readonly EventId WebhookSignatureRejected = new(1003, nameof(WebhookSignatureRejected));

    /// <summary>A retention purge ran to its end (<c>Count</c> orders purged, possibly 0): logged on every run.</summary>
    public static readonly EventId RetentionPurgeCompleted = new(1004, nameof(RetentionPurgeCompleted));

    /// <summary>Azure Communication Services accepted an email (<c>EmailKind</c>, <c>OrderId</c>).</summary>
    public static readonly EventId EmailAccepted = new(1005, nameof(EmailAccepted));

    /// <summary>Sending an email failed (<c>HttpStatus</c> and <c>ErrorCode</c>, or <c>ExceptionType</c>; 429 is throttling).</summary>
    public static readonly EventId EmailSendFailed = new(1006, nameof(EmailSendFailed));

    /// <summary>The workflow waits out email throttling (<c>Activity</c>, <c>Wait</c>, and <c>Held</c>: the time held in all by the next try).</summary>
    public static readonly EventId EmailThrottled = new(1007, nameof(EmailThrottled));
}
