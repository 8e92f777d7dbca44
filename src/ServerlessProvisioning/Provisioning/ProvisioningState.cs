using System.Text.Json.Serialization;
using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Provisioning;

/// <summary>Where a provisioning workflow stands (SPEC §3).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProvisioningStage>))]
public enum ProvisioningStage
{
    /// <summary>The invitation went out; waiting for the wizard submission.</summary>
    InvitationSent,

    /// <summary>The entered admin address is not the contact's own: a code went to it; waiting for the contact to enter it.</summary>
    AwaitingAdminEmailVerification,

    /// <summary>Matching the submission.</summary>
    Matching,

    /// <summary>Waiting for the contact to pick an organization or create a new one.</summary>
    AwaitingOrganizationChoice,

    /// <summary>Waiting for the existing full admin's decision.</summary>
    AwaitingAdminApproval,

    /// <summary>Assigning the subscription.</summary>
    Assigning,

    /// <summary>Assigned.</summary>
    Completed,

    /// <summary>The existing admin rejected.</summary>
    Rejected,

    /// <summary>A deadline passed.</summary>
    Expired,

    /// <summary>An operator cancelled.</summary>
    Cancelled,

    /// <summary>A step failed beyond its retries.</summary>
    Failed,
}

/// <summary>How a workflow ended (SPEC §3).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProvisioningOutcome>))]
public enum ProvisioningOutcome
{
    /// <summary>Assigned to an organization that existed.</summary>
    AssignedToExistingOrganization,

    /// <summary>Assigned to an organization created for it.</summary>
    AssignedToNewOrganization,

    /// <summary>PartnerForCustomer: assigned; the existing admin was asked to add the new admin.</summary>
    AssignedPendingAdminAddition,

    /// <summary>The existing admin rejected.</summary>
    Rejected,

    /// <summary>A deadline passed.</summary>
    Expired,

    /// <summary>An operator cancelled.</summary>
    Cancelled,
}

/// <summary>Stage helpers.</summary>
public static class Stages
{
    /// <summary>Whether the workflow has ended in this stage.</summary>
    public static bool IsFinal(this ProvisioningStage stage) =>
        stage is ProvisioningStage.Completed or ProvisioningStage.Rejected or ProvisioningStage.Expired or ProvisioningStage.Cancelled or ProvisioningStage.Failed;

    /// <summary>Whether a submission is still taken (and replaces the previous one): until an organization is chosen.</summary>
    public static bool TakesSubmission(this ProvisioningStage stage) =>
        stage is ProvisioningStage.InvitationSent or ProvisioningStage.AwaitingAdminEmailVerification or ProvisioningStage.AwaitingOrganizationChoice;

    /// <summary>Whether an operator may still cancel: not once the workflow ended or is assigning the subscription.</summary>
    public static bool IsCancellable(this ProvisioningStage stage) =>
        !stage.IsFinal() && stage is not ProvisioningStage.Assigning;

    /// <summary>
    /// Whether an operator may still resend or redirect the invitation: while the submission can change, since a new
    /// link forgets it, and while a submission is being matched (the workflow takes the resend when it next waits,
    /// so a contact submitting in a loop cannot make it fail); once an organization is chosen, someone may already be
    /// acting on it.
    /// </summary>
    public static bool TakesInvitationResend(this ProvisioningStage stage) => stage.TakesSubmission() || stage == ProvisioningStage.Matching;

    /// <summary>Whether the order waits for a person with a deadline an operator may move (the invitation and choice, or the approval).</summary>
    public static bool TakesDeadlineChange(this ProvisioningStage stage) => stage.TakesSubmission() || stage == ProvisioningStage.AwaitingAdminApproval;

    /// <summary>
    /// Whether an operator may reopen the order (docs/rules.md, "How an order ends"): it ended without giving the
    /// subscription to anyone and nobody chose to end it (a deadline passed, the administrator refused, or a step failed).
    /// </summary>
    public static bool IsReopenable(this ProvisioningStage stage) =>
        stage is ProvisioningStage.Expired or ProvisioningStage.Rejected or ProvisioningStage.Failed;

    /// <summary>Whether an outcome gave the subscription to an organization.</summary>
    public static bool IsAssigned(this ProvisioningOutcome? outcome) =>
        outcome is ProvisioningOutcome.AssignedToExistingOrganization or ProvisioningOutcome.AssignedToNewOrganization or ProvisioningOutcome.AssignedPendingAdminAddition;
}

/// <summary>
/// Durations captured when the workflow starts, so a configuration change never alters a running workflow's replay.
/// <paramref name="ActivityFirstRetry"/> is the first wait before an activity is retried (then doubling, six
/// attempts in all); null, as in every order the hosts start, means the workflow's default (2 s).
/// <paramref name="VerificationLifetime"/> is how long an emailed code works; null means the workflow's default (15 minutes).
/// Tests shorten them to reach the Failed stage or a dead code in seconds.
/// </summary>
public sealed record ProvisioningTimings(
    TimeSpan InvitationLifetime,
    TimeSpan InvitationReminderBefore,
    TimeSpan ApprovalLifetime,
    TimeSpan ApprovalReminderBefore,
    TimeSpan? ActivityFirstRetry = null,
    TimeSpan? VerificationLifetime = null);

/// <summary>
/// The order as the workflow needs it. Its JSON is a subset of the order webhook's body (SPEC §3), so an
/// orchestration input holds exactly what the order system asked for.
/// </summary>
public sealed record ProvisioningOrder(string OrderId, string SubscriptionId, string ProvisioningContactEmail, ProvisioningScenario Scenario, string? Locale = null)
{
    /// <summary>The language of the emails: "es" (default) or "en".</summary>
    public string Language => Locale is { } l && l.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "es";
}

/// <summary>
/// The orchestration's input: the order, its timings, and for a run that continues a finished order, how it continues.
/// <paramref name="InvitationDeadline"/> is the first invitation's deadline as the webhook registered it (so the order's
/// row and index know it before the workflow runs); null (orders started before it, tests) means the workflow's start
/// plus <see cref="ProvisioningTimings.InvitationLifetime"/>.
/// </summary>
public sealed record ProvisioningInput(ProvisioningOrder Order, ProvisioningTimings Timings, Reopening? Reopening = null, DateTimeOffset? InvitationDeadline = null);

/// <summary>How a finished order runs again.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReopenKind>))]
public enum ReopenKind
{
    /// <summary>An operator reopened it: a new invitation (a new link, the full lifetime), maybe to another contact.</summary>
    Reopen,

    /// <summary>The contact started again with the same link, back at the form, until the invitation's own deadline.</summary>
    Restart,
}

/// <summary>
/// What a finished run leaves for the next one, published with its final status: the run's number, where its audit
/// and progress sequences stopped, the invitation's deadline and reminder, and the rounds of codes and approval
/// requests (each round names its links and emails, so a new run must never reuse one).
/// </summary>
public sealed record RunCarry(
    int Run,
    int AuditSequence,
    int ProgressSequence,
    DateTimeOffset InvitationDeadline,
    bool InvitationReminderSent,
    int VerificationRound,
    int ApprovalRound,
    int OperatorReminders);

/// <summary>
/// The input of a run that continues a finished order on the same instance id (docs/rules.md, "How an order ends"):
/// who continued it and how, the stage it had ended in, the step the command claimed (the new run's steps follow
/// it), the invitation generation and contact it had, a new contact for a reopening, what the finished run carried,
/// and the invitation's limits used so far (a restart keeps them: it is the same invitation).
/// </summary>
public sealed record Reopening(
    ReopenKind Kind,
    string Actor,
    DateTimeOffset At,
    ProvisioningStage Previous,
    int Step,
    int Generation,
    string ContactEmail,
    string? NewContactEmail,
    RunCarry Carry,
    int CodesSent = 0,
    int ApprovalRequestsSent = 0,
    int Submissions = 0,
    string? ProvenAdmin = null);

/// <summary>What the wizard entered, as shown back to it.</summary>
public sealed record SubmissionView(string CompanyName, string AdminEmail);

/// <summary>The organization a subscription goes (or went) to.</summary>
public sealed record OrganizationView(string OrganizationId, string Name, OrganizationType Type, bool IsNew = false);

/// <summary>
/// The pending (or ended) approval, as the approval page shows it. <see cref="Decision"/>: null while pending, then how it
/// ended. <see cref="Round"/> is the generation of
/// the approvers' links: a link of another round no longer opens it.
/// </summary>
public sealed record ApprovalView(
    string OrganizationId,
    string OrganizationName,
    string RequestedAdminEmail,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Approvers,
    string RequestedBy,
    ApprovalEnd? Decision = null,
    string? DecidedBy = null,
    string? Comment = null,
    DateTimeOffset? DecidedAt = null,
    int Round = 1);

/// <summary>The code sent to prove the entered admin address: where, until when, how many wrong codes are left; <see cref="Round"/> names the code.</summary>
public sealed record VerificationView(string SentTo, DateTimeOffset ExpiresAt, int AttemptsLeft, bool Expired, int Round);

/// <summary>
/// The orchestration's custom status: the stage and everything the wizard and approval pages show.
/// <see cref="Step"/> increases every time the workflow starts waiting for a person; commands name the
/// step they answer, so a late or duplicate command is recognised and ignored. <see cref="ContactEmail"/> is the
/// provisioning contact the current invitation went to (an operator may redirect it); only operators see it.
/// The candidates are named by id only (<see cref="CandidateIds"/>, from match <see cref="MatchRound"/>, with
/// <see cref="OmittedCandidates"/> more that matched): their figures and administrators are kept in the order's own
/// partition (<see cref="CandidateStore"/>), so the status stays far below the engine's 16 KB whatever the directory
/// holds. <see cref="Candidates"/> is filled from there when the status is read for a page (and is what statuses
/// written before carried). <see cref="CodesSent"/> and <see cref="ApprovalRequestsSent"/> count this invitation's
/// codes and approval requests (<see cref="OrderLimits"/>); <see cref="ProvenAdmin"/> is the admin address a code
/// proved under it. <see cref="Carry"/> is set once the order has ended: what a reopening or restart continues from.
/// </summary>
public sealed record ProvisioningStatus(
    string OrderId,
    string SubscriptionId,
    ProvisioningScenario Scenario,
    ProvisioningStage Stage,
    int Step,
    DateTimeOffset ExpiresAt,
    SubmissionView? Submission = null,
    MatchKind? MatchKind = null,
    IReadOnlyList<Candidate>? Candidates = null,
    OrganizationView? Organization = null,
    ProvisioningOutcome? Outcome = null,
    string? Notice = null,
    ApprovalView? Approval = null,
    int InvitationGeneration = 1,
    string Language = "es",
    VerificationView? Verification = null,
    string? ContactEmail = null,
    IReadOnlyList<string>? CandidateIds = null,
    int OmittedCandidates = 0,
    int MatchRound = 0,
    int CodesSent = 0,
    int ApprovalRequestsSent = 0,
    string? ProvenAdmin = null,
    int Submissions = 0,
    bool Manageable = false,
    RunCarry? Carry = null);

/// <summary>What the workflow returns.</summary>
public sealed record ProvisioningResult(ProvisioningStage Stage, ProvisioningOutcome? Outcome, string? OrganizationId);

/// <summary>Names of the external events the workflow waits for.</summary>
public static class ProvisioningEvents
{
    /// <summary>The wizard's submission.</summary>
    public const string WizardSubmitted = nameof(WizardSubmitted);

    /// <summary>The verification code the contact entered.</summary>
    public const string VerificationCodeEntered = nameof(VerificationCodeEntered);

    /// <summary>The contact's organization choice.</summary>
    public const string OrganizationChosen = nameof(OrganizationChosen);

    /// <summary>The contact withdraws the approval request.</summary>
    public const string ApprovalWithdrawn = nameof(ApprovalWithdrawn);

    /// <summary>The existing admin's decision.</summary>
    public const string ApprovalDecided = nameof(ApprovalDecided);

    /// <summary>An operator cancels.</summary>
    public const string CancelRequested = nameof(CancelRequested);

    /// <summary>An operator resends or redirects the invitation.</summary>
    public const string InvitationResendRequested = nameof(InvitationResendRequested);

    /// <summary>An operator asks the current approvers again.</summary>
    public const string ApprovalReminderRequested = nameof(ApprovalReminderRequested);

    /// <summary>An operator moves the deadline of what the order waits for.</summary>
    public const string DeadlineChangeRequested = nameof(DeadlineChangeRequested);

    /// <summary>The directory changed an organization an order waits on (its pending approval's).</summary>
    public const string OrganizationChanged = nameof(OrganizationChanged);
}

/// <summary>The wizard's submission event.</summary>
public sealed record WizardSubmitted(int Step, string CompanyName, string AdminEmail, DateTimeOffset At);

/// <summary>The verification code event: what the contact typed.</summary>
public sealed record VerificationCodeEntered(int Step, string Code, DateTimeOffset At);

/// <summary>The contact withdraws the pending approval request.</summary>
public sealed record ApprovalWithdrawn(int Step, DateTimeOffset At);

/// <summary>The organization choice event: an organization id, or a new organization.</summary>
public sealed record OrganizationChosen(int Step, string? OrganizationId, bool CreateNew, DateTimeOffset At);

/// <summary>The approval decision event.</summary>
public sealed record ApprovalDecided(int Step, bool Approved, string? Comment, string DecidedBy, DateTimeOffset At);

/// <summary>The cancel event.</summary>
public sealed record CancelRequested(int Step, string Reason, string Operator, DateTimeOffset At);

/// <summary>The resend/redirect event.</summary>
public sealed record InvitationResendRequested(int Step, string? ProvisioningContactEmail, string Operator, DateTimeOffset At);

/// <summary>An operator's reminder to the current approvers of a pending approval.</summary>
public sealed record ApprovalReminderRequested(int Step, string Operator, DateTimeOffset At);

/// <summary>An operator's new deadline for what the order waits for now (the invitation and choice, or the approval).</summary>
public sealed record DeadlineChangeRequested(int Step, DateTimeOffset ExpiresAt, string Operator, DateTimeOffset At);

/// <summary>
/// The directory wrote or deleted an organization that the order's pending approval is for; not a person's command, so
/// it answers no step: the approval reads the organization again and follows it (docs/rules.md).
/// </summary>
public sealed record OrganizationChanged(string OrganizationId, DateTimeOffset At);

/// <summary>One line of an order's audit trail: who did what, when.</summary>
public sealed record AuditEntry(int Sequence, DateTimeOffset At, string Actor, string Action, string? Detail = null);
