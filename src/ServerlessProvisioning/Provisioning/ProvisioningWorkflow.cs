using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// The provisioning workflow (docs/rules.md): invite → wait for the wizard → prove the admin address when it is not
/// the contact's own → match → Rule A assigns, else wait for the choice → new-admin policy (assign + add-admin
/// request, or pause for the existing admin's approval, which the contact may withdraw) → assign → tell the contact.
/// Until an organization is chosen a new submission replaces the previous one. Deterministic: time from the context,
/// no I/O, every side effect an activity. Each wait raises <see cref="ProvisioningStatus.Step"/>; commands carry the
/// step they answer, and one for another step is recorded and ignored.
/// </summary>
public sealed class ProvisioningWorkflow
{
    /// <summary>The orchestration's name in both hosts.</summary>
    public const string Name = "ProvisioningOrchestration";

    /// <summary>
    /// The version new orders start on. Change it, and keep the older version's steps behind
    /// <c>context.CompareVersionTo(...)</c>, whenever a change would replay differently for an open order
    /// (docs/workflow-versions.md); the Functions host reads the same value from host.json (a test keeps them equal).
    /// </summary>
    public const string Version = "1.0";

    /// <summary>The first wait before an activity is retried, unless the order's timings say otherwise.</summary>
    public static readonly TimeSpan ActivityFirstRetry = TimeSpan.FromSeconds(2);

    /// <summary>How long an emailed verification code works.</summary>
    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromMinutes(15);

    /// <summary>How many wrong codes kill a verification code.</summary>
    public const int VerificationAttempts = 5;

    /// <summary>Retries for every activity: storage and email hiccups heal, a persistent failure ends the workflow as Failed.</summary>
    public static TaskOptions ActivityOptions(TimeSpan firstRetry) => TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 6,
        firstRetryInterval: firstRetry,
        backoffCoefficient: 2,
        maxRetryInterval: TimeSpan.FromMinutes(2)));

    /// <summary>
    /// Retries for email activities: like <see cref="ActivityOptions"/>, except that an email the service refused for
    /// good is not sent again (throttling never reaches here: it is an answer, waited out with a durable timer).
    /// </summary>
    public static TaskOptions MailOptions(TimeSpan firstRetry) => TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 6,
        firstRetryInterval: firstRetry,
        backoffCoefficient: 2,
        maxRetryInterval: TimeSpan.FromMinutes(2))
    {
        HandleFailure = failure => !failure.IsCausedBy<Notifications.EmailRejectedException>(),
    });

    /// <summary>The longest single durable wait for a throttled email service; a longer ask is waited out in several.</summary>
    public static readonly TimeSpan MaxThrottleWait = TimeSpan.FromHours(1);

    /// <summary>Retries for the outcome callback: the order system may be down for a while; after the last try the order stays finished and the audit says so.</summary>
    public static readonly TaskOptions CallbackOptions = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 8,
        firstRetryInterval: TimeSpan.FromSeconds(5),
        backoffCoefficient: 2,
        maxRetryInterval: TimeSpan.FromMinutes(10)));

    static readonly Guid DeliveryNamespace = new("3c2b8f0e-5a41-4d0b-9d3e-8f6a2e1b7c55");

    readonly TaskOrchestrationContext context;
    readonly ProvisioningInput input;
    readonly ProvisioningOrder order;
    readonly MailContext mail;
    readonly ILogger logger;
    readonly TaskOptions activityOptions;
    readonly TaskOptions mailOptions;
    readonly List<AuditEntry> pendingAudit = [];
    ProvisioningStatus status;
    int auditSequence;
    int progressSequence;
    string contactEmail;
    DateTimeOffset invitationDeadline;
    bool invitationReminderSent;
    string? requestedAdmin;
    int verificationRound;

    // The admin address a code proved under the current invitation: a later submission that only corrects the
    // company name does not send another code. A resent invitation (maybe to someone else) forgets it.
    string? provenAdmin;
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
        mailOptions = MailOptions(input.Timings.ActivityFirstRetry ?? ActivityFirstRetry);
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
                    case ProvisioningStage.AwaitingAdminEmailVerification:
                        await AwaitVerificationAsync();
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

            return new ProvisioningResult(status.Stage, status.Outcome, AssignedOrganizationId());
        }
        catch (TaskFailedException e)
        {
            logger.LogError("Order {OrderId}: step {Activity} failed beyond its retries", order.OrderId, e.TaskName);
            status = status with { Stage = ProvisioningStage.Failed };
            context.SetCustomStatus(status);
            Audit("system", "Failed", $"{e.TaskName} failed after retries.");
            try
            {
                await RecordAsync();
            }
            catch (TaskFailedException)
            {
                // The order's own table is what failed: the order system must still hear that the order failed.
            }

            await ReportAsync();
            throw;
        }
    }

    // ---- Invitation ----------------------------------------------------------------------------------

    // The new step is published before the link goes out, so whoever follows the link finds the workflow waiting for it;
    // the new generation in it is what makes every older link answer 410 at once (see WorkflowGateway.OpenLinkAsync).
    async Task InviteAsync(int generation, string? previousContact, string? reason = null)
    {
        Audit("system", "InvitationSent", reason is null ? $"Generation {generation}; expires {invitationDeadline:O}" : $"Generation {generation}; {reason}");
        await EnterAsync(status with
        {
            Stage = ProvisioningStage.InvitationSent,
            ExpiresAt = invitationDeadline,
            InvitationGeneration = generation,
            ContactEmail = contactEmail,
            Submission = null,
            Verification = null,
            Candidates = null,
            MatchKind = null,
            Notice = null,
            Organization = null,
            Approval = null,
        });
        await SendMailAsync(nameof(SendInvitation), new InvitationRequest(mail, contactEmail, generation, invitationDeadline, IsReminder: false, previousContact));
    }

    async Task AwaitSubmissionAsync()
    {
        var command = await NextCommandAsync(Accept.Submission | Accept.Resend | Accept.Cancel, InvitationTimers());
        switch (command)
        {
            case Timer { Name: InvitationReminder }:
                await SendInvitationReminderAsync();
                break;
            case Timer:
                await FinishAsync(ProvisioningStage.Expired, ProvisioningOutcome.Expired, "system", "The invitation expired before the wizard was completed.");
                break;
            default:
                await HandleCommonAsync(command);
                break;
        }
    }

    const string InvitationReminder = nameof(InvitationReminder);
    const string InvitationDeadline = nameof(InvitationDeadline);
    const string VerificationExpiry = nameof(VerificationExpiry);
    const string ApprovalReminder = nameof(ApprovalReminder);
    const string ApprovalDeadline = nameof(ApprovalDeadline);

    IEnumerable<(string Name, DateTimeOffset At)> InvitationTimers()
    {
        if (!invitationReminderSent && input.Timings.InvitationReminderBefore > TimeSpan.Zero && input.Timings.InvitationReminderBefore < input.Timings.InvitationLifetime)
        {
            yield return (InvitationReminder, invitationDeadline - input.Timings.InvitationReminderBefore);
        }

        yield return (InvitationDeadline, invitationDeadline);
    }

    async Task SendInvitationReminderAsync()
    {
        invitationReminderSent = true;
        await SendMailAsync(nameof(SendInvitation), new InvitationRequest(mail, contactEmail, status.InvitationGeneration, invitationDeadline, IsReminder: true));
        Audit("system", "InvitationReminderSent");
        await RecordAsync();
    }

    // ---- The submission and the admin address --------------------------------------------------------

    // Accepted until an organization is chosen; a later one replaces the earlier (a typo fixed by submitting again).
    async Task SubmitAsync(WizardSubmitted submitted)
    {
        var replacing = status.Submission is not null;
        requestedAdmin = EmailAddress.Normalize(submitted.AdminEmail);
        Audit(contactEmail, replacing ? "SubmissionReplaced" : "WizardSubmitted", $"Company '{submitted.CompanyName}', admin {requestedAdmin}", submitted.At);
        status = status with { Submission = new SubmissionView(submitted.CompanyName, requestedAdmin), Verification = null, Candidates = null, MatchKind = null, Notice = null, Organization = null, Approval = null };

        // The invitation link proves the contact's own address; any other must be proven before anything is revealed,
        // once per invitation.
        if (EmailAddress.SamePerson(requestedAdmin, contactEmail) || (provenAdmin is not null && EmailAddress.SamePerson(requestedAdmin, provenAdmin)))
        {
            await MatchAsync();
            return;
        }

        verificationRound++;
        var expires = Now + (input.Timings.VerificationLifetime ?? VerificationLifetime);
        Audit("system", "VerificationCodeSent", $"To {requestedAdmin}; works until {expires:O}");
        await EnterAsync(status with
        {
            Stage = ProvisioningStage.AwaitingAdminEmailVerification,
            Verification = new VerificationView(requestedAdmin, expires, VerificationAttempts, Expired: false, verificationRound),
            ExpiresAt = invitationDeadline,
        });
        await SendMailAsync(nameof(SendVerificationCode), new VerificationMailRequest(mail, contactEmail, requestedAdmin, submitted.CompanyName, verificationRound, expires));
    }

    async Task AwaitVerificationAsync()
    {
        var verification = status.Verification!;
        var timers = verification.Expired ? InvitationTimers() : InvitationTimers().Append((VerificationExpiry, verification.ExpiresAt));
        var command = await NextCommandAsync(Accept.Submission | Accept.Verification | Accept.Resend | Accept.Cancel, timers);
        switch (command)
        {
            case Timer { Name: InvitationReminder }:
                await SendInvitationReminderAsync();
                break;
            case Timer { Name: VerificationExpiry }:
                Audit("system", "VerificationCodeExpired");
                await EnterAsync(status with { Verification = verification with { Expired = true } });
                break;
            case Timer:
                await FinishAsync(ProvisioningStage.Expired, ProvisioningOutcome.Expired, "system", "The invitation expired before the administrator's address was confirmed.");
                break;
            case Command<VerificationCodeEntered> entered when !verification.Expired && verification.AttemptsLeft > 0:
                var correct = await CallAsync<bool>(nameof(CheckVerificationCode), new VerificationCheck(InstanceId, verification.Round, verification.SentTo, entered.Event.Code));
                if (correct)
                {
                    Audit(contactEmail, "AdminEmailVerified", verification.SentTo, entered.Event.At);
                    provenAdmin = verification.SentTo;
                    await MatchAsync();
                }
                else
                {
                    var left = verification.AttemptsLeft - 1;
                    Audit(contactEmail, "VerificationCodeWrong", left == 0 ? "No attempts left; the code no longer works." : $"{left} attempt(s) left", entered.Event.At);
                    await EnterAsync(status with { Verification = verification with { AttemptsLeft = left } });
                }

                break;
            case Command<VerificationCodeEntered> late:
                // The code is dead; the page knows it from the state. Move on a step so the sender's answer arrives.
                Audit(contactEmail, "VerificationCodeRefused", "The code no longer works.", late.Event.At);
                await EnterAsync(status);
                break;
            default:
                await HandleCommonAsync(command);
                break;
        }
    }

    // ---- Matching and the choice ---------------------------------------------------------------------

    async Task MatchAsync()
    {
        var submission = status.Submission!;
        status = status with { Stage = ProvisioningStage.Matching, Verification = null };
        context.SetCustomStatus(status);

        var match = await CallAsync<MatchResult>(nameof(Match), new MatchRequest(submission.CompanyName, submission.AdminEmail, order.Scenario));
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
        var command = await NextCommandAsync(Accept.Choice | Accept.Submission | Accept.Resend | Accept.Cancel, InvitationTimers());
        switch (command)
        {
            case Timer { Name: InvitationReminder }:
                await SendInvitationReminderAsync();
                break;
            case Timer:
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
        var type = NewAdminPolicy.OrganizationTypeFor(order.Scenario);
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
                await SendMailAsync(nameof(SendAddAdminRequest), new AddAdminMailRequest(mail, check.Name, requestedAdmin!, check.FullAdmins.Select(a => a.Email).ToList()));
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
            Approval = new ApprovalView(organizationId, check.Name, requestedAdmin!, approvalDeadline, approvers, contactEmail, Round: approvalRound),
            ExpiresAt = approvalDeadline,
        });
        await SendMailAsync(nameof(SendApprovalRequests), approvalMail);
    }

    async Task AwaitApprovalAsync()
    {
        var timers = new List<(string, DateTimeOffset)>();
        if (!approvalReminderSent && input.Timings.ApprovalReminderBefore > TimeSpan.Zero && input.Timings.ApprovalReminderBefore < input.Timings.ApprovalLifetime)
        {
            timers.Add((ApprovalReminder, approvalDeadline - input.Timings.ApprovalReminderBefore));
        }

        timers.Add((ApprovalDeadline, approvalDeadline));
        var command = await NextCommandAsync(Accept.Approval | Accept.Withdrawal | Accept.Cancel, timers);
        var organization = status.Organization!;
        var approval = status.Approval!;
        switch (command)
        {
            case Timer { Name: ApprovalReminder }:
                approvalReminderSent = true;
                await SendMailAsync(nameof(SendApprovalRequests), approvalMail! with { IsReminder = true });
                Audit("system", "ApprovalReminderSent");
                await RecordAsync();
                break;
            case Timer:
                status = status with { Approval = approval with { Decision = ApprovalEnd.Expired } };
                await CloseApprovalAsync(ApprovalEnd.Expired, decidedBy: null, approval.Approvers);
                await FinishAsync(ProvisioningStage.Expired, ProvisioningOutcome.Expired, "system", "The existing administrator did not decide before the deadline.");
                break;
            case Command<ApprovalDecided> { Event.Approved: true } decided:
                Audit(decided.Event.DecidedBy, "Approved", decided.Event.Comment, decided.Event.At);
                status = status with { Approval = approval with { Decision = ApprovalEnd.Approved, DecidedBy = decided.Event.DecidedBy, Comment = decided.Event.Comment, DecidedAt = decided.Event.At } };
                await EnterAssigningAsync(organization);
                await CallAsync(nameof(AddAdministrator), new AddAdministratorRequest(organization.OrganizationId, requestedAdmin!));
                Audit("system", "AdministratorAdded", $"{requestedAdmin} to {organization.OrganizationId}");
                await CallAsync(nameof(Assign), new AssignRequest(order.OrderId, order.SubscriptionId, organization.OrganizationId, null));

                // The other approvers hear of it once it is done (not before a step that could still fail), and a
                // throttled email service cannot hold the assignment up.
                await CloseApprovalAsync(ApprovalEnd.Approved, decided.Event.DecidedBy, OthersThan(decided.Event.DecidedBy));
                await CompleteAsync(ProvisioningOutcome.AssignedToExistingOrganization);
                break;
            case Command<ApprovalDecided> rejected:
                status = status with { Approval = approval with { Decision = ApprovalEnd.Rejected, DecidedBy = rejected.Event.DecidedBy, Comment = rejected.Event.Comment, DecidedAt = rejected.Event.At } };
                await CloseApprovalAsync(ApprovalEnd.Rejected, rejected.Event.DecidedBy, OthersThan(rejected.Event.DecidedBy));
                await FinishAsync(ProvisioningStage.Rejected, ProvisioningOutcome.Rejected, rejected.Event.DecidedBy, rejected.Event.Comment, action: "Rejected");
                break;
            case Command<ApprovalWithdrawn> withdrawn:
                // Back to the choice the contact had, under the invitation's deadline; the approvers' links die now.
                Audit(contactEmail, "ApprovalWithdrawn", $"Request to {organization.OrganizationId} withdrawn", withdrawn.Event.At);
                await EnterAsync(status with
                {
                    Stage = ProvisioningStage.AwaitingOrganizationChoice,
                    Approval = approval with { Decision = ApprovalEnd.Withdrawn, DecidedAt = withdrawn.Event.At },
                    Organization = null,
                    ExpiresAt = invitationDeadline,
                });
                await CloseApprovalAsync(ApprovalEnd.Withdrawn, decidedBy: null, approval.Approvers);
                break;
            default:
                await HandleCommonAsync(command);
                break;
        }

        IReadOnlyList<string> OthersThan(string approver) => approval.Approvers.Where(a => !EmailAddress.SamePerson(a, approver)).ToList();
    }

    // Tells the approvers who did not end the request how it ended, and kills their links.
    Task CloseApprovalAsync(ApprovalEnd end, string? decidedBy, IReadOnlyList<string> recipients) =>
        SendMailAsync(nameof(CloseApprovalRequest), new ApprovalClosedMailRequest(mail, approvalMail!.OrganizationName, requestedAdmin!, approvalRound, recipients, end, decidedBy));

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
        await SendMailAsync(nameof(SendOutcome), new OutcomeMailRequest(
            mail, contactEmail, status.InvitationGeneration, outcome, status.Organization?.Name, requestedAdmin,
            stage is ProvisioningStage.Rejected or ProvisioningStage.Cancelled ? detail : null, alsoNotify ?? []));
        Audit("system", "OutcomeSent", outcome.ToString());
        await ReportAsync();
        logger.LogInformation("Order {OrderId} finished: {Stage} {Outcome}", order.OrderId, stage, outcome);
    }

    // The organization that received the subscription; none for an order that assigned nothing.
    string? AssignedOrganizationId() => status.Outcome.IsAssigned() ? status.Organization?.OrganizationId : null;

    // The organization chosen but not assigned to (rejected, expired or cancelled while awaiting approval).
    string? ChosenOrganizationId() => status.Outcome.IsAssigned() ? null : status.Organization?.OrganizationId;

    // Tells the order system how the order ended (when a callback is configured), then records it all.
    async Task ReportAsync()
    {
        var callback = new CallbackRequest(order.OrderId, order.SubscriptionId, status.Stage, status.Outcome, AssignedOrganizationId(), Now, DeliveryId(), ChosenOrganizationId());
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

    // ---- Commands any waiting stage takes ------------------------------------------------------------

    async Task HandleCommonAsync(object command)
    {
        switch (command)
        {
            case Command<WizardSubmitted> submitted:
                await SubmitAsync(submitted.Event);
                break;
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

                Audit(resend.Event.Operator, "InvitationResendRequested", EmailAddress.SamePerson(previous, contactEmail) ? "Same contact" : $"Contact changed from {previous} to {contactEmail}", resend.Event.At);
                invitationDeadline = Now + input.Timings.InvitationLifetime;
                invitationReminderSent = false;
                requestedAdmin = null;
                provenAdmin = null;
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
        Verification = 32,
        Withdrawal = 64,
    }

    sealed record Timer(string Name);

    sealed record Command<T>(T Event);

    // Waits for the first of: an accepted command for the current step, or one of the timers (the earliest fires).
    // Commands for another step are audited and ignored; the wait goes on.
    async Task<object> NextCommandAsync(Accept accept, IEnumerable<(string Name, DateTimeOffset At)> timers)
    {
        var (timerName, fireAt) = timers.MinBy(t => t.At);
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
            Wait<VerificationCodeEntered>(Accept.Verification, ProvisioningEvents.VerificationCodeEntered, e => e.Step);
            Wait<OrganizationChosen>(Accept.Choice, ProvisioningEvents.OrganizationChosen, e => e.Step);
            Wait<ApprovalDecided>(Accept.Approval, ProvisioningEvents.ApprovalDecided, e => e.Step);
            Wait<ApprovalWithdrawn>(Accept.Withdrawal, ProvisioningEvents.ApprovalWithdrawn, e => e.Step);
            Wait<CancelRequested>(Accept.Cancel, ProvisioningEvents.CancelRequested, e => e.Step);
            Wait<InvitationResendRequested>(Accept.Resend, ProvisioningEvents.InvitationResendRequested, e => e.Step);

            var timer = context.CreateTimer(fireAt.UtcDateTime, cts.Token);
            var winner = await Task.WhenAny(waits.Select(w => w.Task).Append(timer));
            cts.Cancel();
            if (winner == timer)
            {
                return new Timer(timerName);
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
        await CallAsync(nameof(RecordProgress), new ProgressRequest(order.OrderId, ++progressSequence, status.Stage, status.Outcome, AssignedOrganizationId(), entries, Now, ChosenOrganizationId()));
    }

    Task CallAsync(string activity, object request) => context.CallActivityAsync(activity, request, activityOptions);

    // Sends email for as long as it takes: when the service throttles, a durable timer waits as long as it asks (no
    // worker is held), then the activity runs again; its emails carry idempotency keys, so none goes out twice.
    async Task SendMailAsync(string activity, object request)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            var delivery = await context.CallActivityAsync<MailDelivery>(activity, request, mailOptions);
            if (!delivery.Throttled)
            {
                if (waited > TimeSpan.Zero)
                {
                    Audit("system", "EmailSentAfterThrottling", $"{activity} after waiting {waited}");
                    await RecordAsync();
                }

                return;
            }

            var wait = delivery.RetryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delivery.RetryAfter > MaxThrottleWait ? MaxThrottleWait : delivery.RetryAfter;
            if (waited == TimeSpan.Zero)
            {
                // Recorded at once: the wait can last hours, and the operator should see why the order is quiet.
                Audit("system", "EmailThrottled", $"{activity}: the email service asks to wait {delivery.RetryAfter}");
                await RecordAsync();
            }

            logger.LogWarning("Order {OrderId}: {Activity} throttled; waiting {Wait}", order.OrderId, activity, wait);
            waited += wait;
            await context.CreateTimer((Now + wait).UtcDateTime, CancellationToken.None);
        }
    }

    Task<T> CallAsync<T>(string activity, object request) => context.CallActivityAsync<T>(activity, request, activityOptions);
}
