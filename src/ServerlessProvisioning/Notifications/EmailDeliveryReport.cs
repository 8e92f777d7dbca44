namespace ServerlessProvisioning.Notifications;

/// <summary>
/// What the email service says became of one email, after it accepted it: ACS's
/// <c>Microsoft.Communication.EmailDeliveryReportReceived</c> event, or the local mailbox's imitation of it.
/// <see cref="MessageId"/> is the id the email was sent under (the ACS operation id, derived from its idempotency key).
/// </summary>
public sealed record EmailDeliveryReport(string MessageId, string Status, string? Recipient = null, string? StatusMessage = null, DateTimeOffset? AttemptedAt = null)
{
    /// <summary>The mail reached the recipient's mail server.</summary>
    public const string Delivered = "Delivered";

    /// <summary>A distribution list was expanded: its members get reports of their own.</summary>
    public const string Expanded = "Expanded";

    /// <summary>The recipient's server refused the mail for good (a hard bounce): a mistyped or closed address.</summary>
    public const string Bounced = "Bounced";

    /// <summary>The mail could not be delivered.</summary>
    public const string Failed = "Failed";

    /// <summary>
    /// Whether the report says the mail did not reach its recipient. ACS documents every status but
    /// <see cref="Delivered"/> as a failure; <see cref="Expanded"/> is not one either (the list's members are reported
    /// one by one). A status ACS adds later counts as a failure, so it is seen rather than lost.
    /// </summary>
    public bool IsFailure =>
        !string.Equals(Status, Delivered, StringComparison.OrdinalIgnoreCase) && !string.Equals(Status, Expanded, StringComparison.OrdinalIgnoreCase);
}
