using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// The provisioning workflow (SPEC §1): invite → wait for the wizard → match → Rule A assigns, else wait for
/// the choice → new-admin policy (assign + add-admin request, or pause for the existing admin's approval) →
/// assign → tell the contact. Deterministic: time from the context, no I/O, every side effect an activity.
/// Each wait raises <see cref="ProvisioningStatus.Step"/>; commands carry the step they answer, and one for
/// another step is recorded and ignored.
/// </summary>
public sealed class ProvisioningWorkflow
{
    /// <summary>The orchestration's name in both hosts.</summary>
    public const string Name = "ProvisioningOrchestration";

    /// <summary>The first wait before an activity is retried, unless the order's timings say otherwise.</summary>
    public static readonly TimeSpan ActivityFirstRetry = TimeSpan.FromSeconds(2);

    /// <summary>Retries for every activity: storage and email hiccups heal, a persistent failure ends the workflow as Failed.</summary>
    public static TaskOptions ActivityOptions(TimeSpan firstRetry) => TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 6,
        firstRetryInterval: firstRetry,
        backoffCoefficient: 2,
        maxRetryInterval: TimeSpan.FromMinutes(2)));

    /// <summary>Retries for the outcome callback: the order system may be down for a while; after the last try the order stays finished and the audit says so.</summary>
    public static readonly TaskOptions CallbackOptions = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 8,
        firstRetryInterval: TimeSpan.FromSeconds(5),
        backoffCoefficient: 2,
        maxRetryInterval: TimeSpan.FromMinutes(10)));

    readonly TaskOrchestrationContext context;
    readonly ProvisioningInput input;
    readonly ProvisioningOrder order;
    readonly MailContext mail;
    readonly ILogger logger;
    readonly TaskOptions activityOptions;
    readonly List<AuditEntry> pendingAudit = [];
    ProvisioningStatus status;
    int auditSequence;
    int progressSequence;
    string contactEmail;
    DateTimeOffset invitationDeadline;
    bool invitationReminderSent;
    string? requestedAdmin;
    DateTimeOffset approvalDeadline;
    bool approvalReminderSent;
    int approvalRound;
    ApprovalMailRequest? approvalMail;

    ProvisioningWorkflow(TaskOrchestrationContext context, ProvisioningInput input)
    {
        this.context = context;
        this.input = input;
        order = input.Order;
        contactEmail = order.ProvisioningContactEmail;
        mail = new MailContext(order.OrderId, context.InstanceId, order.SubscriptionId, order.Scenario, order.Language);
        logger = context.CreateReplaySafeLogger<ProvisioningWorkflow>();
        activityOptions = ActivityOptions(input.Timings.ActivityFirstRetry ?? ActivityFirstRetry);
        invitationDeadline = Now + input.Timings.InvitationLifetime;
        status = new ProvisioningStatus(order.OrderId, order.SubscriptionId, order.Scenario, ProvisioningStage.InvitationSent, 0, invitationDeadline, Language: order.Language);
    }

    DateTimeOffset Now => new(context.CurrentUtcDateTime, TimeSpan.Zero);

    string InstanceId => context.InstanceId;

    /// <summary>Runs the workflow for one order.</summary>
    public static Task<ProvisioningResult> RunAsync(TaskOrchestrationContext context, ProvisioningInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        return new ProvisioningWorkflow(context, input).RunAsync();
    }

    async Task<ProvisioningResult> RunAsync()
    {
        try
        {
            Audit("order-system", "OrderReceived", $"{order.Scenario}; subscription {order.SubscriptionId}");
            await InviteAsync(generation: 1, previousContact: null);
            while (!status.Stage.IsFinal())
            {
                switch (status.Stage)
                {
                    case ProvisioningStage.InvitationSent:
                        await AwaitSubmissionAsync();
                        break;
                    case ProvisioningStage.AwaitingOrganizationChoice:
                        await AwaitChoiceAsync();
                        break;
                    case ProvisioningStage.AwaitingAdminApproval:
                        await AwaitApprovalAsync();
                        break;
                    default:
                        throw new InvalidOperationException($"No wait is defined for stage {status.Stage}.");
                }
            }

            return new ProvisioningResult(status.Stage, status.Outcome, status.Organization?.OrganizationId);
        }
        catch (TaskFailedException e)
        {
            logger.LogError("Order {OrderId}: step {Activity} failed beyond its retries", order.OrderId, e.TaskName);
            status = status with { Stage = ProvisioningStage.Failed };
            context.SetCustomStatus(status);
            Audit("system", "Failed", $"{e.TaskName} failed after retries.");
            await RecordAsync();
            await ReportAsync();
            throw;
        }
    }

    // ---- Invitation ----------------------------------------------------------------------------------

    // The new step is published before the link goes out, so whoever follows the link finds the workflow waiting for it.
    async Task InviteAsync(int generation, string? previousContact, string? reason = null)
    {
        Audit("system", "InvitationSent", reason is null ? $"Generation {generation}; expires {invitationDeadline:O}" : $"Generation {generation}; {reason}");
        await EnterAsync(status with
        {
            Stage = ProvisioningStage.InvitationSent,
            ExpiresAt = invitationDeadline,
            InvitationGeneration = generation,
            Submission = null,
            Candidates = null,
            MatchKind = null,
            Notice = null,
            Organization = null,
        });
        await CallAsync(nameof(SendInvitation), new InvitationRequest(mail, contactEmail, generation, invitationDeadline, IsReminder: false, previousContact));
    }

    async Task AwaitSubmissionAsync()
    {
        var command = await NextCommandAsync(Accept.Submission | Accept.Resend | Accept.Cancel, InvitationReminderAt(), invitationDeadline);
        switch (command)
        {
            case Reminder:
                await SendInvitationReminderAsync();
                break;
            case Deadline:
                await FinishAsync(ProvisioningStage.Expired, ProvisioningOutcome.Expired, "system", "The invitation expired before the wizard was completed.");
                break;
            case Command<WizardSubmitted> submitted:
                await MatchAsync(submitted.Event);
                break;
            default:
                await HandleCommonAsync(command);
                break;
        }
    }

    DateTimeOffset? InvitationReminderAt() =>
        invitationReminderSent || input.Timings.InvitationReminderBefore <= TimeSpan.Zero || input.Timings.InvitationReminderBefore >= input.Timings.InvitationLifetime
            ? null
            : invitationDeadline - input.Timings.InvitationReminderBefore;

    async Task SendInvitationReminderAsync()
    {
        invitationReminderSent = true;
        await CallAsync(nameof(SendInvitation), new InvitationRequest(mail, contactEmail, status.InvitationGeneration, invitationDeadline, IsReminder: true));
        Audit("system", "InvitationReminderSent");
        await RecordAsync();
    }

    // ---- Matching and the choice ---------------------------------------------------------------------

    async Task MatchAsync(WizardSubmitted submitted)
    {
        requestedAdmin = EmailAddress.Normalize(submitted.AdminEmail);
        Audit(contactEmail, "WizardSubmitted", $"Company '{submitted.CompanyName}', admin {requestedAdmin}", submitted.At);
        status = status with { Stage = ProvisioningStage.Matching, Submission = new SubmissionView(submitted.CompanyName, requestedAdmin) };
        context.SetCustomStatus(status);

        var match = await CallAsync<MatchResult>(nameof(Match), new MatchRequest(submitted.CompanyName, submitted.AdminEmail));
        if (match.AssignTo is { } organization)
        {
            Audit("system", "MatchedByRuleA", $"{requestedAdmin} administers {organization.OrganizationId}");
            status = status with { MatchKind = match.Kind, Candidates = match.Candidates };
            await AssignExistingAsync(organization.OrganizationId, organization.Name, organization.Type, ProvisioningOutcome.AssignedToExistingOrganization);
            return;
        }

        Audit("system", match.Kind == MatchKind.AdminOfSeveral ? "MatchedByRuleAOfSeveral" : "MatchedByRuleB", $"{match.Candidates.Count} candidate(s)");
        await EnterAsync(status with
        {
            Stage = ProvisioningStage.AwaitingOrganizationChoice,
            MatchKind = match.Kind,
            Candidates = match.Candidates,
            Notice = match.Notice,
            ExpiresAt = invitationDeadline,
        });
    }

    async Task AwaitChoiceAsync()
    {
        var command = await NextCommandAsync(Accept.Choice | Accept.Resend | Accept.Cancel, InvitationReminderAt(), invitationDeadline);
        switch (command)
        {
            case Reminder:
                await SendInvitationReminderAsync();
                break;
            case Deadline:
                await FinishAsync(ProvisioningStage.Expired, ProvisioningOutcome.Expired, "system", "No organization was chosen before the invitation expired.");
                break;
            case Command<OrganizationChosen> { Event.CreateNew: true } chosenNew:
                await CreateAndAssignAsync(chosenNew.Event.At);
                break;
            case Command<OrganizationChosen> chosen:
                await ApplyChoiceAsync(chosen.Event.OrganizationId!, chosen.Event.At);
                break;
            default:
                await HandleCommonAsync(command);
                break;
        }
    }

    async Task CreateAndAssignAsync(DateTimeOffset at)
    {
        var type = NewAdminPolicy.NewOrganizationType(order.Scenario);
        var name = status.Submission!.CompanyName;
        var organizationId = NewOrganizationId();
        Audit(contactEmail, "ChoseNewOrganization", $"'{name}' ({type}) with full admin {requestedAdmin}", at);
        await EnterAssigningAsync(new OrganizationView(organizationId, name, type, IsNew: true));
        await CallAsync(nameof(Assign), new AssignRequest(order.OrderId, order.SubscriptionId, organizationId, new NewOrganization(organizationId, name, type, requestedAdmin!, Now)));
        await CompleteAsync(ProvisioningOutcome.AssignedToNewOrganization);
    }

    // Deterministic, so a replayed or retried creation lands on the same organization.
    string NewOrganizationId() => "org-" + context.NewGuid().ToString("N")[..20];

    async Task ApplyChoiceAsync(string organizationId, DateTimeOffset at)
    {
        Audit(contactEmail, "ChoseOrganization", organizationId, at);
        var check = await CallAsync<OrganizationCheck>(nameof(Inspect), new InspectRequest(organizationId, requestedAdmin!));
        if (!check.Exists)
        {
            // Vanished since matching: let the contact choose again rather than fail.
            Audit("system", "ChoiceRejected", $"{organizationId} no longer exists");
            await EnterAsync(status with { Stage = ProvisioningStage.AwaitingOrganizationChoice, Candidates = status.Candidates?.Where(c => c.OrganizationId != organizationId).ToList() });
            return;
        }

        var action = NewAdminPolicy.Decide(order.Scenario, createsNewOrganization: false, check.AdminIsFullAdmin);
        switch (action)
        {
            case NewAdminAction.Assign:
                await AssignExistingAsync(organizationId, check.Name, check.Type, ProvisioningOutcome.AssignedToExistingOrganization);
                break;
            case NewAdminAction.AssignAndRequestAdminAddition:
                Audit("system", "AdminAdditionRequested", $"{requestedAdmin} to {organizationId}; asked {check.FullAdmins.Count} full admin(s)");
                await EnterAssigningAsync(new OrganizationView(organizationId, check.Name, check.Type));
                await CallAsync(nameof(Assign), new AssignRequest(order.OrderId, order.SubscriptionId, organizationId, null));
                await CallAsync(nameof(SendAddAdminRequest), new AddAdminMailRequest(mail, check.Name, requestedAdmin!, check.FullAdmins.Select(a => a.Email).ToList()));
                await CompleteAsync(ProvisioningOutcome.AssignedPendingAdminAddition);
                break;
            case NewAdminAction.RequireApproval:
                await RequestApprovalAsync(organizationId, check);
                break;
        }
    }

    // ---- Approval ------------------------------------------------------------------------------------

    async Task RequestApprovalAsync(string organizationId, OrganizationCheck check)
    {
        approvalRound++;
        approvalDeadline = Now + input.Timings.ApprovalLifetime;
        approvalReminderSent = false;
        var approvers = check.FullAdmins.Select(a => a.Email).ToList();
        approvalMail = new ApprovalMailRequest(
            mail, contactEmail, status.Submission!.CompanyName, requestedAdmin!, organizationId, check.Name, approvers, approvalRound, approvalDeadline, IsReminder: false);
        Audit("system", "ApprovalRequested", $"{requestedAdmin} for {organizationId}; asked {approvers.Count} full admin(s); expires {approvalDeadline:O}");
        await EnterAsync(status with
        {
            Stage = ProvisioningStage.AwaitingAdminApproval,
            Organization = new OrganizationView(organizationId, check.Name, check.Type),
            Approval = new ApprovalView(organizationId, check.Name, requestedAdmin!, approvalDeadline, approvers, contactEmail),
            ExpiresAt = approvalDeadline,
        });
        await CallAsync(nameof(SendApprovalRequests), approvalMail);
    }

    async Task AwaitApprovalAsync()
    {
        DateTimeOffset? reminderAt = approvalReminderSent || input.Timings.ApprovalReminderBefore <= TimeSpan.Zero || input.Timings.ApprovalReminderBefore >= input.Timings.ApprovalLifetime
            ? null
            : approvalDeadline - input.Timings.ApprovalReminderBefore;
        var command = await NextCommandAsync(Accept.Approval | Accept.Cancel, reminderAt, approvalDeadline);
        var organization = status.Organization!;
        switch (command)
        {
            case Reminder:
                approvalReminderSent = true;
                await CallAsync(nameof(SendApprovalRequests), approvalMail! with { IsReminder = true });
                Audit("system", "ApprovalReminderSent");
                await RecordAsync();
                break;
            case Deadline:
                status = status with { Approval = status.Approval! with { Decision = "expired" } };
                await FinishAsync(ProvisioningStage.Expired, ProvisioningOutcome.Expired, "system", "The existing administrator did not decide before the deadline.");
                break;
            case Command<ApprovalDecided> { Event.Approved: true } decided:
                Audit(decided.Event.DecidedBy, "Approved", decided.Event.Comment, decided.Event.At);
                status = status with { Approval = status.Approval! with { Decision = "approved", DecidedBy = decided.Event.DecidedBy, Comment = decided.Event.Comment, DecidedAt = decided.Event.At } };
                await EnterAssigningAsync(organization);
                await CallAsync(nameof(AddAdministrator), new AddAdministratorRequest(organization.OrganizationId, requestedAdmin!));
                Audit("system", "AdministratorAdded", $"{requestedAdmin} to {organization.OrganizationId}");
                await CallAsync(nameof(Assign), new AssignRequest(order.OrderId, order.SubscriptionId, organization.OrganizationId, null));
                await CompleteAsync(ProvisioningOutcome.AssignedToExistingOrganization);
                break;
            case Command<ApprovalDecided> rejected:
                status = status with { Approval = status.Approval! with { Decision = "rejected", DecidedBy = rejected.Event.DecidedBy, Comment = rejected.Event.Comment, DecidedAt = rejected.Event.At } };
                await FinishAsync(ProvisioningStage.Rejected, ProvisioningOutcome.Rejected, rejected.Event.DecidedBy, rejected.Event.Comment, action: "Rejected");
                break;
            default:
                await HandleCommonAsync(command);
                break;
        }
    }

    // ---- Assigning and finishing ---------------------------------------------------------------------

    async Task AssignExistingAsync(string organizationId, string name, OrganizationType type, ProvisioningOutcome outcome)
    {
        await EnterAssigningAsync(new OrganizationView(organizationId, name, type));
        await CallAsync(nameof(Assign), new AssignRequest(order.OrderId, order.SubscriptionId, organizationId, null));
        await CompleteAsync(outcome);
    }

    async Task EnterAssigningAsync(OrganizationView organization)
    {
        status = status with { Stage = ProvisioningStage.Assigning, Organization = organization };
        context.SetCustomStatus(status);
        await RecordAsync();
    }

    Task CompleteAsync(ProvisioningOutcome outcome) =>
        FinishAsync(ProvisioningStage.Completed, outcome, "system", $"Subscription {order.SubscriptionId} assigned to {status.Organization!.OrganizationId}", action: "Assigned");

    async Task FinishAsync(ProvisioningStage stage, ProvisioningOutcome outcome, string actor, string? detail, string? action = null, IReadOnlyList<string>? alsoNotify = null)
    {
        status = status with { Stage = stage, Outcome = outcome };
        context.SetCustomStatus(status);
        Audit(actor, action ?? stage.ToString(), detail);
        await RecordAsync();
        await CallAsync(nameof(SendOutcome), new OutcomeMailRequest(
            mail, contactEmail, status.InvitationGeneration, outcome, status.Organization?.Name, requestedAdmin,
            stage is ProvisioningStage.Rejected or ProvisioningStage.Cancelled ? detail : null, alsoNotify ?? []));
        Audit("system", "OutcomeSent", outcome.ToString());
        await ReportAsync();
        logger.LogInformation("Order {OrderId} finished: {Stage} {Outcome}", order.OrderId, stage, outcome);
    }

    // Tells the order system how the order ended (when a callback is configured), then records it all.
    async Task ReportAsync()
    {
        var callback = new CallbackRequest(order.OrderId, order.SubscriptionId, status.Stage, status.Outcome, status.Organization?.OrganizationId, Now, DeliveryId());
        try
        {
            if (await context.CallActivityAsync<bool>(nameof(DeliverCallback), callback, CallbackOptions))
            {
                Audit("system", "CallbackDelivered", callback.DeliveryId);
            }
        }
        catch (TaskFailedException e)
        {
            Audit("system", "CallbackFailed", e.FailureDetails.ErrorMessage);
        }

        await RecordAsync();
    }

    // One id per order's report, the same on every retry and replay, so the receiver can drop repeats.
    string DeliveryId() => NameBasedGuid.CreateVersion5(DeliveryNamespace, InstanceId + "/outcome").ToString();

    static readonly Guid DeliveryNamespace = new("3c2b8f0e-5a41-4d0b-9d3e-8f6a2e1b7c55");

    // ---- Operator commands ---------------------------------------------------------------------------

    async Task HandleCommonAsync(object command)
    {
        switch (command)
        {
            case Command<CancelRequested> cancel:
                var approvers = status.Stage == ProvisioningStage.AwaitingAdminApproval ? status.Approval?.Approvers : null;
                await FinishAsync(ProvisioningStage.Cancelled, ProvisioningOutcome.Cancelled, cancel.Event.Operator, cancel.Event.Reason, alsoNotify: approvers);
                break;
            case Command<InvitationResendRequested> resend:
                var previous = contactEmail;
                if (resend.Event.ProvisioningContactEmail is { } newContact)
                {
                    contactEmail = newContact;
                }

                Audit(resend.Event.Operator, "InvitationResendRequested", string.Equals(previous, contactEmail, StringComparison.OrdinalIgnoreCase) ? "Same contact" : $"Contact changed from {previous} to {contactEmail}", resend.Event.At);
                invitationDeadline = Now + input.Timings.InvitationLifetime;
                invitationReminderSent = false;
                requestedAdmin = null;
                await InviteAsync(status.InvitationGeneration + 1, previous, "resent by operator");
                break;
            default:
                throw new InvalidOperationException($"Unexpected command {command.GetType().Name}.");
        }
    }

    // ---- Waiting -------------------------------------------------------------------------------------

    [Flags]
    enum Accept
    {
        Submission = 1,
        Choice = 2,
        Approval = 4,
        Cancel = 8,
        Resend = 16,
    }

    sealed record Reminder;

    sealed record Deadline;

    sealed record Command<T>(T Event);

    // Waits for the first of: an accepted command for the current step, the reminder, the deadline.
    // Commands for another step are audited and ignored; the wait goes on.
    async Task<object> NextCommandAsync(Accept accept, DateTimeOffset? reminderAt, DateTimeOffset deadline)
    {
        while (true)
        {
            using var cts = new CancellationTokenSource();
            var waits = new List<(Task Task, Func<(int Step, object Command)> Read)>();
            void Wait<T>(Accept flag, string name, Func<T, int> step)
            {
                if (accept.HasFlag(flag))
                {
                    var task = context.WaitForExternalEvent<T>(name, cts.Token);
                    waits.Add((task, () => (step(task.Result), new Command<T>(task.Result))));
                }
            }

            Wait<WizardSubmitted>(Accept.Submission, ProvisioningEvents.WizardSubmitted, e => e.Step);
            Wait<OrganizationChosen>(Accept.Choice, ProvisioningEvents.OrganizationChosen, e => e.Step);
            Wait<ApprovalDecided>(Accept.Approval, ProvisioningEvents.ApprovalDecided, e => e.Step);
            Wait<CancelRequested>(Accept.Cancel, ProvisioningEvents.CancelRequested, e => e.Step);
            Wait<InvitationResendRequested>(Accept.Resend, ProvisioningEvents.InvitationResendRequested, e => e.Step);

            var fireAt = reminderAt is { } r && r < deadline ? r : deadline;
            var timer = context.CreateTimer(fireAt.UtcDateTime, cts.Token);
            var winner = await Task.WhenAny(waits.Select(w => w.Task).Append(timer));
            cts.Cancel();
            if (winner == timer)
            {
                return fireAt == deadline ? new Deadline() : new Reminder();
            }

            var (step, command) = waits.First(w => w.Task == winner).Read();
            if (step == status.Step)
            {
                return command;
            }

            logger.LogWarning("Order {OrderId}: ignored {Command} for step {Step} while at step {Current}", order.OrderId, command.GetType().GenericTypeArguments[0].Name, step, status.Step);
            Audit("system", "IgnoredStaleCommand", $"{command.GetType().GenericTypeArguments[0].Name} for step {step} at step {status.Step}");
        }
    }

    // Starts waiting for a person: a new step, published in the custom status and recorded.
    async Task EnterAsync(ProvisioningStatus next)
    {
        status = next with { Step = status.Step + 1 };
        context.SetCustomStatus(status);
        await RecordAsync();
    }

    // People's actions carry the time they acted (from their request); the workflow's own, the replay-safe clock.
    void Audit(string actor, string action, string? detail = null, DateTimeOffset? at = null) =>
        pendingAudit.Add(new AuditEntry(++auditSequence, at ?? Now, actor, action, detail));

    async Task RecordAsync()
    {
        var entries = pendingAudit.ToList();
        pendingAudit.Clear();
        await CallAsync(nameof(RecordProgress), new ProgressRequest(order.OrderId, ++progressSequence, status.Stage, status.Outcome, status.Organization?.OrganizationId, entries, Now));
    }

    Task CallAsync(string activity, object request) => context.CallActivityAsync(activity, request, activityOptions);

    Task<T> CallAsync<T>(string activity, object request) => context.CallActivityAsync<T>(activity, request, activityOptions);
}
