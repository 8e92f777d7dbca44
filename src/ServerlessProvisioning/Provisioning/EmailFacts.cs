using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning;

/// <summary>What one email says: each kind of email has its record, holding exactly the facts its text needs.</summary>
/// <param name="OrderId">The order it is about.</param>
/// <param name="SubscriptionId">The subscription it is about.</param>
public abstract record EmailFacts(string OrderId, string SubscriptionId)
{
    /// <summary>The kind of email these facts make.</summary>
    public abstract EmailKind Kind { get; }
}

/// <summary>The invitation to the wizard, or its reminder.</summary>
public sealed record InvitationEmail(string OrderId, string SubscriptionId, DateTimeOffset Deadline, string Link, bool IsReminder = false) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => IsReminder ? EmailKind.InvitationReminder : EmailKind.Invitation;
}

/// <summary>
/// The code that proves the admin address, sent to that address: maybe a stranger's, so it carries nothing the
/// requester typed — the code, the contact's address as the order system (or an operator) gave it, and the order.
/// </summary>
public sealed record VerificationCodeEmail(string OrderId, string SubscriptionId, string ContactEmail, string Code, DateTimeOffset Deadline) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => EmailKind.AdminEmailVerification;
}

/// <summary>An existing full admin is asked to approve the new admin (or reminded), with a link of their own.</summary>
public sealed record ApprovalRequestEmail(
    string OrderId,
    string SubscriptionId,
    string ContactEmail,
    string CompanyName,
    string OrganizationName,
    string RequestedAdminEmail,
    DateTimeOffset Deadline,
    string Link,
    bool IsReminder = false) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => IsReminder ? EmailKind.ApprovalReminder : EmailKind.ApprovalRequest;
}

/// <summary>An approver hears how a request ended (by someone else, by the clock, or withdrawn).</summary>
public sealed record ApprovalClosedEmail(string OrderId, string SubscriptionId, string OrganizationName, string RequestedAdminEmail, ApprovalEnd End, string? DecidedBy) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => EmailKind.ApprovalClosed;
}

/// <summary>The contact hears that their approval request closed because the organization changed, and chooses again by <paramref name="ChooseBy"/>.</summary>
public sealed record RequestClosedEmail(string OrderId, string SubscriptionId, string OrganizationName, string RequestedAdminEmail, DateTimeOffset ChooseBy, string Link) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => EmailKind.RequestClosed;
}

/// <summary>An organization's other full admins hear that a subscription was assigned to it, for whom and by whom.</summary>
public sealed record AssignmentNoticeEmail(string OrderId, string SubscriptionId, string OrganizationName, string AdminEmail, string ContactEmail) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => EmailKind.AssignmentNotice;
}

/// <summary>The previous contact hears that an operator sent the invitation to someone else (not to whom), so their link no longer works.</summary>
public sealed record InvitationRedirectedEmail(string OrderId, string SubscriptionId) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => EmailKind.InvitationRedirected;
}

/// <summary>
/// PartnerForCustomer: the existing admins are asked to add the new admin, each with a link of their own that adds
/// them (or declines) in one click until <paramref name="Deadline"/>; without a link (an activity queued before links
/// existed), to add them in their organization's administration.
/// </summary>
public sealed record AddAdminRequestEmail(string OrderId, string SubscriptionId, string OrganizationName, string RequestedAdminEmail, string? Link = null, DateTimeOffset? Deadline = null) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => EmailKind.AddAdminRequest;
}

/// <summary>PartnerForCustomer: the contact hears that an existing admin added the new admin, or declined to (with their comment).</summary>
public sealed record AdminAdditionDecidedEmail(string OrderId, string SubscriptionId, string OrganizationName, string RequestedAdminEmail, bool Approved, string? Comment) : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => EmailKind.AdminAdditionDecided;
}

/// <summary>How the order ended, for the contact (and, on a cancel during an approval, the approvers).</summary>
/// <param name="OrderId">The order it is about.</param>
/// <param name="SubscriptionId">The subscription it is about.</param>
/// <param name="Outcome">How it ended; null when a step failed beyond its retries (the stage is Failed).</param>
/// <param name="OrganizationName">The organization chosen or assigned, if any.</param>
/// <param name="RequestedAdminEmail">The admin address of the submission, if any.</param>
/// <param name="Reason">The rejecting admin's comment or the operator's cancel reason.</param>
/// <param name="Link">The wizard link that shows the ending, for outcomes that have one.</param>
public sealed record OutcomeEmail(string OrderId, string SubscriptionId, ProvisioningOutcome? Outcome, string? OrganizationName, string? RequestedAdminEmail, string? Reason, string? Link)
    : EmailFacts(OrderId, SubscriptionId)
{
    /// <inheritdoc/>
    public override EmailKind Kind => EmailKind.Outcome;
}
