using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// What the workflow carries from one wait to the next, besides the published <see cref="ProvisioningStatus"/>:
/// who the invitation went to and until when, the admin address asked for and the one a code proved, and the rounds
/// of codes and approvals (each round names its links and emails).
/// </summary>
/// <param name="ContactEmail">The provisioning contact the current invitation went to (an operator may redirect it).</param>
/// <param name="InvitationDeadline">When the invitation (and the choice) expires.</param>
/// <param name="InvitationReminderSent">Whether this invitation's reminder went out.</param>
/// <param name="RequestedAdmin">The admin address of the current submission, normalized.</param>
/// <param name="VerificationRound">How many codes were sent; the last one's number.</param>
/// <param name="ApprovalRound">How many approval requests were made; the last one's number.</param>
/// <param name="ApprovalDeadline">When the current approval request expires.</param>
/// <param name="ApprovalReminderSent">Whether the current approval request's reminder went out.</param>
/// <param name="ApprovalMail">The current approval request as emailed (its reminder and closing reuse it).</param>
/// <param name="OperatorReminders">How many reminders operators asked for (each email's key names its number).</param>
sealed record RunState(
    string ContactEmail,
    DateTimeOffset InvitationDeadline,
    bool InvitationReminderSent = false,
    string? RequestedAdmin = null,
    int VerificationRound = 0,
    int ApprovalRound = 0,
    DateTimeOffset ApprovalDeadline = default,
    bool ApprovalReminderSent = false,
    ApprovalMailRequest? ApprovalMail = null,
    int OperatorReminders = 0);

/// <summary>
/// One order's run of the workflow: the orchestration context, the order, the state carried between waits and the
/// published status. The stages share it; only <see cref="EnterAsync"/> and <see cref="Advance"/> start a new step.
/// </summary>
sealed class OrderRun
{
    public OrderRun(TaskOrchestrationContext context, ProvisioningInput input)
    {
        Context = context;
        Input = input;
        Order = input.Order;
        var reopening = input.Reopening;
        Number = reopening is null ? 1 : reopening.Carry.Run + 1;
        Mail = new MailContext(Order.OrderId, context.InstanceId, Order.SubscriptionId, Order.Scenario, Order.Language, Number);
        Logger = context.CreateReplaySafeLogger<ProvisioningWorkflow>();
        var firstRetry = input.Timings.ActivityFirstRetry ?? ProvisioningWorkflow.ActivityFirstRetry;
        ActivityOptions = ProvisioningWorkflow.ActivityOptions(firstRetry);
        MailOptions = ProvisioningWorkflow.MailOptions(firstRetry);
        var manageable = Takes(ProvisioningWorkflow.ManagesWaits);
        if (reopening is null)
        {
            State = new RunState(Order.ProvisioningContactEmail, input.InvitationDeadline ?? Now + input.Timings.InvitationLifetime);
            Status = new ProvisioningStatus(Order.OrderId, Order.SubscriptionId, Order.Scenario, ProvisioningStage.InvitationSent, 0, State.InvitationDeadline, Language: Order.Language, Manageable: manageable);
            Outbox = new Outbox(this);
        }
        else
        {
            // A finished order runs again: its rounds, sequences and steps go on from where the last run stopped.
            var carry = reopening.Carry;
            State = new RunState(reopening.ContactEmail, carry.InvitationDeadline, carry.InvitationReminderSent, VerificationRound: carry.VerificationRound, ApprovalRound: carry.ApprovalRound, OperatorReminders: carry.OperatorReminders);
            Status = new ProvisioningStatus(
                Order.OrderId, Order.SubscriptionId, Order.Scenario, ProvisioningStage.InvitationSent, reopening.Step, carry.InvitationDeadline, InvitationGeneration: reopening.Generation,
                Language: Order.Language, ContactEmail: reopening.ContactEmail, CodesSent: reopening.CodesSent, ApprovalRequestsSent: reopening.ApprovalRequestsSent,
                ProvenAdmin: reopening.ProvenAdmin, Submissions: reopening.Submissions, Manageable: manageable);
            Outbox = new Outbox(this, carry.AuditSequence, carry.ProgressSequence);
        }

        Inbox = new Inbox(this);
    }

    /// <summary>Which run of the order this is: 1, then one more for each reopening or restart.</summary>
    public int Number { get; }

    /// <summary>What this run leaves for a next one, once it has ended.</summary>
    public RunCarry Carry() => new(
        Number, Outbox.AuditSequence, Outbox.ProgressSequence, State.InvitationDeadline, State.InvitationReminderSent, State.VerificationRound, State.ApprovalRound, State.OperatorReminders);

    public TaskOrchestrationContext Context { get; }

    public ProvisioningInput Input { get; }

    public ProvisioningTimings Timings => Input.Timings;

    public ProvisioningOrder Order { get; }

    public MailContext Mail { get; }

    public ILogger Logger { get; }

    public TaskOptions ActivityOptions { get; }

    public TaskOptions MailOptions { get; }

    public Outbox Outbox { get; }

    public Inbox Inbox { get; }

    public RunState State { get; set; }

    /// <summary>What the pages see; set it with <see cref="Publish"/> or <see cref="EnterAsync"/>.</summary>
    public ProvisioningStatus Status { get; set; }

    public DateTimeOffset Now => new(Context.CurrentUtcDateTime, TimeSpan.Zero);

    /// <summary>Whether this order started on <paramref name="version"/> or later, and so takes that version's steps.</summary>
    public bool Takes(string version) => Context.CompareVersionTo(version) >= 0;

    /// <summary>The contact the current invitation went to.</summary>
    public string Contact => State.ContactEmail;

    /// <summary>Publishes a status without starting a new step (a stage the pages watch but nobody answers).</summary>
    public void Publish(ProvisioningStatus next)
    {
        Status = next;
        Context.SetCustomStatus(Status);
    }

    /// <summary>Starts waiting for a person: a new step, published in the custom status and recorded.</summary>
    public async Task EnterAsync(ProvisioningStatus next)
    {
        Advance(next);
        await Outbox.RecordAsync();
    }

    /// <summary>A new step, published; the next activity records it (<see cref="Outbox.TakeRecord()"/>).</summary>
    public void Advance(ProvisioningStatus next) => Publish(next with { Step = Status.Step + 1 });

    /// <summary>Whether records ride on the step's own activity (1.3) rather than an activity of their own.</summary>
    public bool Folds => Takes(ProvisioningWorkflow.FoldsRecords);

    /// <summary>Whether an order ends in one activity (1.4) rather than one per step of its ending.</summary>
    public bool Concludes => Takes(ProvisioningWorkflow.Concludes);

    /// <summary>Whether an approver's decision ends the order in one activity (1.5).</summary>
    public bool DecidesInOne => Takes(ProvisioningWorkflow.DecidesInOne);

    /// <summary>The organization that received the subscription; none for an order that assigned nothing.</summary>
    public string? AssignedOrganizationId() => Status.Outcome.IsAssigned() ? Status.Organization?.OrganizationId : null;

    /// <summary>The organization chosen but not assigned to (rejected, expired or cancelled while awaiting approval).</summary>
    public string? ChosenOrganizationId() => Status.Outcome.IsAssigned() ? null : Status.Organization?.OrganizationId;
}
