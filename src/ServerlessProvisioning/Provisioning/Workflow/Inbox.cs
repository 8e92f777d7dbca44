using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>The commands a wait takes.</summary>
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
    DirectoryChange = 128,
    Reminder = 256,
    Deadline = 512,
}

/// <summary>What ended a wait: a timer or a command.</summary>
abstract record Happening;

/// <summary>A deadline or reminder came.</summary>
sealed record Timer(string Name) : Happening;

/// <summary>A person's command for the current step.</summary>
sealed record Command<T>(T Event) : Happening;

/// <summary>A deadline or reminder a wait races its commands against.</summary>
readonly record struct Deadline(string Name, DateTimeOffset At);

/// <summary>
/// Where the workflow waits for people: the external events a stage accepts, raced against its deadlines. A command
/// for another step is audited and ignored, and the wait goes on.
/// </summary>
sealed class Inbox(OrderRun run)
{
    /// <summary>
    /// Waits for the first of: an accepted command for the current step, or one of the deadlines (the earliest fires).
    /// From 1.2 every wait also takes an operator's new deadline.
    /// </summary>
    public async Task<Happening> NextAsync(Accept accept, IEnumerable<Deadline> deadlines)
    {
        if (run.Takes(ProvisioningWorkflow.ManagesWaits))
        {
            accept |= Accept.Deadline;
        }

        var (timerName, fireAt) = deadlines.MinBy(t => t.At);
        var context = run.Context;
        while (true)
        {
            using var cts = new CancellationTokenSource();
            var waits = new List<(Task Task, Func<(int Step, Happening Command)> Read)>();
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

            // Not a person's answer to a step: taken whenever the wait accepts it.
            Wait<ApprovalReminderRequested>(Accept.Reminder, ProvisioningEvents.ApprovalReminderRequested, e => e.Step);
            Wait<DeadlineChangeRequested>(Accept.Deadline, ProvisioningEvents.DeadlineChangeRequested, e => e.Step);
            Wait<OrganizationChanged>(Accept.DirectoryChange, ProvisioningEvents.OrganizationChanged, _ => run.Status.Step);

            var timer = context.CreateTimer(fireAt.UtcDateTime, cts.Token);
            var winner = await Task.WhenAny(waits.Select(w => w.Task).Append(timer));
            cts.Cancel();
            if (winner == timer)
            {
                return new Timer(timerName);
            }

            var (step, command) = waits.First(w => w.Task == winner).Read();
            if (step == run.Status.Step || IsFreshOperatorCommand(command))
            {
                return command;
            }

            var name = command.GetType().GenericTypeArguments[0].Name;
            run.Logger.LogWarning("Order {OrderId}: ignored {Command} for step {Step} while at step {Current}", run.Order.OrderId, name, step, run.Status.Step);
            run.Outbox.Audit("system", AuditAction.IgnoredStaleCommand, $"{name} for step {step} at step {run.Status.Step}");
        }
    }

    /// <summary>How long after it was sent an operator's command is taken whatever step the order moved to.</summary>
    public static readonly TimeSpan OperatorCommandGrace = TimeSpan.FromMinutes(2);

    // An operator's resend or cancel wins over people answering the step it saw (a link holder submitting in a loop):
    // taken at any step while fresh. A stale one (buffered while the order waited elsewhere) is still ignored.
    bool IsFreshOperatorCommand(Happening command) =>
        run.Takes(ProvisioningWorkflow.Bounded) && command switch
        {
            Command<CancelRequested> c => run.Now - c.Event.At <= OperatorCommandGrace,
            Command<InvitationResendRequested> r => run.Now - r.Event.At <= OperatorCommandGrace,
            Command<ApprovalReminderRequested> r => run.Now - r.Event.At <= OperatorCommandGrace,
            Command<DeadlineChangeRequested> d => run.Now - d.Event.At <= OperatorCommandGrace,
            _ => false,
        };
}
