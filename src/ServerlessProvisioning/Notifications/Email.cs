using System.Text.Json.Serialization;

namespace ServerlessProvisioning.Notifications;

/// <summary>The kinds of email the product sends (SPEC §4).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EmailKind>))]
public enum EmailKind
{
    /// <summary>The invitation to start the wizard.</summary>
    Invitation,

    /// <summary>A reminder before the invitation expires.</summary>
    InvitationReminder,

    /// <summary>The code that proves the entered admin address, sent to that address.</summary>
    AdminEmailVerification,

    /// <summary>The existing full admin is asked to approve a new admin.</summary>
    ApprovalRequest,

    /// <summary>A reminder before the approval expires.</summary>
    ApprovalReminder,

    /// <summary>The other approvers are told the request ended (decided by another, expired or withdrawn).</summary>
    ApprovalClosed,

    /// <summary>PartnerForCustomer: the existing full admin is asked to add the new admin, with a link to do it in one click.</summary>
    AddAdminRequest,

    /// <summary>The outcome, to the provisioning contact.</summary>
    Outcome,

    /// <summary>To the provisioning contact: their approval request closed because the organization changed; they choose again.</summary>
    RequestClosed,

    /// <summary>To an organization's other full administrators: a subscription was assigned to it without an approval.</summary>
    AssignmentNotice,

    /// <summary>To the previous provisioning contact: an operator sent the invitation to someone else.</summary>
    InvitationRedirected,

    /// <summary>PartnerForCustomer, to the provisioning contact: an existing full admin added the new admin, or declined to.</summary>
    AdminAdditionDecided,
}

/// <summary>A recipient.</summary>
public sealed record EmailRecipient(string Address, string? DisplayName = null);

/// <summary>The links an email carries, and the tokens or code inside them (kept by the local mailbox for scripts).</summary>
public sealed record EmailLinks(string? Wizard = null, string? Approval = null, string? WizardToken = null, string? ApprovalToken = null, string? VerificationCode = null);

/// <summary>
/// One email to send. <see cref="IdempotencyKey"/> identifies it across retries: a sender must deliver a
/// given key at most once, so an activity that runs twice never sends twice.
/// </summary>
public sealed record OutgoingEmail(
    string IdempotencyKey,
    EmailKind Kind,
    string OrderId,
    EmailRecipient To,
    string Subject,
    string PlainText,
    string Html,
    EmailLinks Links);

/// <summary>The email port: Azure Communication Services in Azure, the local mailbox on the local host.</summary>
public interface IEmailSender
{
    /// <summary>
    /// Hands the email over for delivery, unless one with the same idempotency key was handed over already. Throws
    /// <see cref="EmailThrottledException"/> when the service asks to wait, <see cref="EmailRejectedException"/> when
    /// it refuses the email for good, anything else when it could not be reached (worth trying again soon).
    /// </summary>
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}

/// <summary>The email service asks the sender to wait <see cref="RetryAfter"/> before sending again (it is throttling).</summary>
public sealed class EmailThrottledException(TimeSpan retryAfter, Exception? inner = null)
    : Exception($"The email service asks to wait {retryAfter} before sending again.", inner)
{
    /// <summary>How long the service asks to wait.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The email service refused the email for a reason sending it again will not change (a 4xx other than 408 and 429).</summary>
public sealed class EmailRejectedException(int status, string? code, Exception? inner = null)
    : Exception($"The email service refused the email: HTTP {status} {code}.", inner)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;
}
