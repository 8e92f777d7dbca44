using Microsoft.DurableTask;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// The provisioning workflow (docs/rules.md): invite → wait for the wizard → prove the admin address when it is not
/// the contact's own → match → Rule A assigns, else wait for the choice → new-admin policy (assign + add-admin
/// request, or pause for the existing admin's approval, which the contact may withdraw) → assign → tell the contact.
/// It reads as its loop: each waiting stage is a small class (<see cref="Invitation"/>, <see cref="Verification"/>,
/// <see cref="Choice"/>, <see cref="Approval"/>) that waits once and handles what came; what every stage takes the
/// same way (a new submission, a cancel, a resend) comes back here. Deterministic: time from the context, no I/O,
/// every side effect an activity. Each wait raises <see cref="ProvisioningStatus.Step"/>; commands carry the step
/// they answer, and one for another step is recorded and ignored.
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
    public const string Version = "1.5";

    /// <summary>
    /// 1.1: candidates kept beside the order (the status names them by id), codes and approval requests capped per
    /// invitation, a choice refused when the organization's type or full administrators changed since matching, and
    /// an approval taken only from someone who is a full administrator when it arrives. Orders started on 1.0 keep
    /// their steps (docs/workflow-versions.md).
    /// </summary>
    public const string Bounded = "1.1";

    /// <summary>
    /// 1.2: a pending approval follows the directory (an <see cref="OrganizationChanged"/> event): added full
    /// administrators are asked in the same round, and a request whose organization was deleted or no longer fits
    /// closes (<see cref="ApprovalEnd.Closed"/>), its approvers and the contact told, and the contact chooses again.
    /// </summary>
    public const string FollowsDirectory = "1.2";

    /// <summary>
    /// 1.2: operators manage what an order waits for: every wait takes a new deadline, and a pending approval an
    /// operator's reminder (<see cref="DeadlineChangeRequested"/>, <see cref="ApprovalReminderRequested"/>).
    /// </summary>
    public const string ManagesWaits = "1.2";

    /// <summary>
    /// 1.3: a progress record rides on the activity that goes with it (the invitation, the matching that offers a choice,
    /// the assignment, the outcome email, the callback) instead of an activity of its own: five activities fewer on a
    /// completed order, each two queue messages and an orchestration episode (docs/benchmarks.md).
    /// </summary>
    public const string FoldsRecords = "1.3";

    /// <summary>
    /// 1.4: an order ends in one activity (<see cref="Activities.Conclude"/>): the assignment of a new organization, the record of
    /// the ending, the outcome email and the callback, which ran in three before; an approved administrator's addition
    /// also assigns the subscription, and a closing email with nobody to tell is not sent (docs/benchmarks.md).
    /// </summary>
    public const string Concludes = "1.4";

    /// <summary>
    /// 1.5: an approver's decision ends the order in the ending's one activity: the decision checked against the
    /// directory, the approved administrator added and the subscription assigned there, where 1.4 ran a check, the
    /// addition and the ending in three (no record of the Assigning stage between); the other approvers are told after.
    /// </summary>
    public const string DecidesInOne = "1.5";

    /// <summary>The first wait before an activity is retried, unless the order's timings say otherwise.</summary>
    public static readonly TimeSpan ActivityFirstRetry = TimeSpan.FromSeconds(2);

    /// <summary>How long an emailed verification code works.</summary>
    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromMinutes(15);

    /// <summary>How many wrong codes kill a verification code.</summary>
    public const int VerificationAttempts = 5;

    /// <summary>The longest single durable wait for a throttled email service; a longer ask is waited out in several.</summary>
    public static readonly TimeSpan MaxThrottleWait = TimeSpan.FromHours(1);

    /// <summary>Retries for the outcome callback: the order system may be down for a while; after the last try the order stays finished and the audit says so.</summary>
    public static readonly TaskOptions CallbackOptions = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 8,
        firstRetryInterval: TimeSpan.FromSeconds(5),
        backoffCoefficient: 2,
        maxRetryInterval: TimeSpan.FromMinutes(10)));

    readonly OrderRun run;
    readonly Invitation invitation;
    readonly Verification verification;
    readonly Ending ending;
    readonly Approval approval;
    readonly Dictionary<ProvisioningStage, IWait> waits;

    ProvisioningWorkflow(TaskOrchestrationContext context, ProvisioningInput input)
    {
        run = new OrderRun(context, input);
        ending = new Ending(run);
        invitation = new Invitation(run, ending);
        approval = new Approval(run, ending);
        var choice = new Choice(run, invitation, approval, ending);
        verification = new Verification(run, invitation, choice);

        // The waiting stages: a new one is a class and a line here.
        waits = new()
        {
            [ProvisioningStage.InvitationSent] = invitation,
            [ProvisioningStage.AwaitingAdminEmailVerification] = verification,
            [ProvisioningStage.AwaitingOrganizationChoice] = choice,
            [ProvisioningStage.AwaitingAdminApproval] = approval,
        };
    }

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
        HandleFailure = failure => !failure.IsCausedBy<EmailRejectedException>(),
    });

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
            switch (run.Input.Reopening)
            {
                case null:
                    run.Outbox.Audit("order-system", AuditAction.OrderReceived, $"{run.Order.Scenario}; subscription {run.Order.SubscriptionId}");
                    await invitation.InviteAsync(generation: 1, previousContact: null);
                    break;
                case { Kind: ReopenKind.Reopen } reopening:
                    await invitation.ReopenAsync(reopening);
                    break;
                case var restart:
                    await invitation.RestartAsync(restart);
                    break;
            }

            while (!run.Status.Stage.IsFinal())
            {
                var wait = waits.TryGetValue(run.Status.Stage, out var w) ? w : throw new InvalidOperationException($"No wait is defined for stage {run.Status.Stage}.");
                if (await wait.WaitAsync() is { } next)
                {
                    await HandleAsync(next);
                }
            }

            return Result();
        }
        catch (TaskFailedException e)
        {
            if (await ending.FailAsync(e))
            {
                return Result();
            }

            // Ended Failed: the engine keeps the last status, and with it what a reopening continues from.
            run.Publish(run.Status with { Carry = run.Carry() });
            throw;
        }
    }

    // The order has ended: its last status carries what a reopening or restart continues from.
    ProvisioningResult Result()
    {
        run.Publish(run.Status with { Carry = run.Carry() });
        return new(run.Status.Stage, run.Status.Outcome, run.AssignedOrganizationId());
    }

    // The commands every waiting stage takes the same way.
    async Task HandleAsync(Happening next)
    {
        switch (next)
        {
            case Command<WizardSubmitted> submitted:
                await verification.SubmitAsync(submitted.Event);
                break;
            case Command<CancelRequested> cancel:
                var approvers = run.Status.Stage == ProvisioningStage.AwaitingAdminApproval ? run.Status.Approval?.Approvers : null;
                await ending.FinishAsync(ProvisioningStage.Cancelled, ProvisioningOutcome.Cancelled, cancel.Event.Operator, cancel.Event.Reason, alsoNotify: approvers);
                break;
            case Command<InvitationResendRequested> resend:
                await invitation.ResendAsync(resend.Event);
                break;
            case Command<DeadlineChangeRequested> moved when run.Status.Stage == ProvisioningStage.AwaitingAdminApproval:
                await approval.MoveDeadlineAsync(moved.Event);
                break;
            case Command<DeadlineChangeRequested> moved:
                await invitation.MoveDeadlineAsync(moved.Event);
                break;
            default:
                throw new InvalidOperationException($"Unexpected {next}.");
        }
    }
}
