using System.Text.Json.Serialization;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// What an audit entry records. Stored and served by name (<see cref="AuditEntry.Action"/>), so a name never changes
/// once released; the pages label every member in both languages (a test fails when one has no label).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuditAction>))]
public enum AuditAction
{
    /// <summary>The order system placed the order.</summary>
    OrderReceived,

    /// <summary>An invitation (a new link) went to the provisioning contact.</summary>
    InvitationSent,

    /// <summary>The invitation's reminder went out.</summary>
    InvitationReminderSent,

    /// <summary>An operator resent or redirected the invitation.</summary>
    InvitationResendRequested,

    /// <summary>The contact submitted the wizard.</summary>
    WizardSubmitted,

    /// <summary>The contact submitted again, replacing the earlier submission.</summary>
    SubmissionReplaced,

    /// <summary>A code went to the entered admin address.</summary>
    VerificationCodeSent,

    /// <summary>The code's time ran out.</summary>
    VerificationCodeExpired,

    /// <summary>A wrong code was entered.</summary>
    VerificationCodeWrong,

    /// <summary>A code arrived after it stopped working.</summary>
    VerificationCodeRefused,

    /// <summary>The code proved the admin address.</summary>
    AdminEmailVerified,

    /// <summary>Rule A: the admin administers exactly one organization; assigned there.</summary>
    MatchedByRuleA,

    /// <summary>Rule A: the admin administers several organizations; the contact chooses.</summary>
    MatchedByRuleAOfSeveral,

    /// <summary>Rule B: organizations with a similar name and a user at the admin's domain.</summary>
    MatchedByRuleB,

    /// <summary>The contact chose an existing organization.</summary>
    ChoseOrganization,

    /// <summary>The contact chose to create a new organization.</summary>
    ChoseNewOrganization,

    /// <summary>The chosen organization could not take the order (it no longer exists).</summary>
    ChoiceRejected,

    /// <summary>Assigned, and the existing admins were asked to add the new admin.</summary>
    AdminAdditionRequested,

    /// <summary>The organization's full admins were asked to approve.</summary>
    ApprovalRequested,

    /// <summary>The approval's reminder went out.</summary>
    ApprovalReminderSent,

    /// <summary>An existing admin approved.</summary>
    Approved,

    /// <summary>The contact withdrew the approval request.</summary>
    ApprovalWithdrawn,

    /// <summary>The new admin became a full admin of the organization.</summary>
    AdministratorAdded,

    /// <summary>The subscription was assigned.</summary>
    Assigned,

    /// <summary>An existing admin rejected.</summary>
    Rejected,

    /// <summary>A deadline passed.</summary>
    Expired,

    /// <summary>An operator cancelled the order.</summary>
    Cancelled,

    /// <summary>A step failed beyond its retries.</summary>
    Failed,

    /// <summary>The contact was told the outcome.</summary>
    OutcomeSent,

    /// <summary>The order system acknowledged the outcome callback.</summary>
    CallbackDelivered,

    /// <summary>The outcome callback failed after its retries.</summary>
    CallbackFailed,

    /// <summary>The email service asked to wait.</summary>
    EmailThrottled,

    /// <summary>An email went out after the service had asked to wait.</summary>
    EmailSentAfterThrottling,

    /// <summary>A command answered a step the order had left; it was ignored.</summary>
    IgnoredStaleCommand,

    /// <summary>A submission past the invitation's cap on submissions; it was not taken.</summary>
    SubmissionLimitReached,

    /// <summary>A submission would have sent a code past the invitation's cap; none was sent.</summary>
    CodeLimitReached,

    /// <summary>A choice would have made an approval request past the invitation's cap; none was made.</summary>
    ApprovalLimitReached,

    /// <summary>A decision came from someone who is no longer a full administrator of the organization; it was not taken.</summary>
    DecisionRefused,

    /// <summary>The organization of a pending approval changed in the directory: added full administrators were asked, removed ones no longer are.</summary>
    ApproversChanged,

    /// <summary>The organization of a pending approval was deleted or no longer fits: the request closed and the contact chooses again.</summary>
    ApprovalClosed,

    /// <summary>An operator moved the deadline of what the order waits for.</summary>
    DeadlineMoved,

    /// <summary>An operator reminded the approvers of a pending approval.</summary>
    ApprovalReminderRequested,

    /// <summary>PartnerForCustomer, after the assignment: an existing full admin approved adding the new admin from the request's link.</summary>
    AdminAdditionApproved,

    /// <summary>PartnerForCustomer, after the assignment: an existing full admin declined adding the new admin; the subscription stays assigned.</summary>
    AdminAdditionDeclined,

    /// <summary>An operator reopened the finished order: a new invitation went out.</summary>
    OrderReopened,

    /// <summary>The contact started again after a refusal or an expired approval: back at the form.</summary>
    OrderRestarted,

    /// <summary>The email service reported that an email did not reach its recipient (bounced, failed, suppressed, quarantined or filtered as spam).</summary>
    EmailDeliveryFailed,
}
