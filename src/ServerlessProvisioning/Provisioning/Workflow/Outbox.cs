using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// Everything the workflow tells the world: audit entries (kept until the next record), the order's progress record,
/// and email, sent for as long as the email service asks to wait.
/// </summary>
sealed class Outbox(OrderRun run, int auditSequence = 0, int progressSequence = 0)
{
    readonly List<AuditEntry> pending = [];

    /// <summary>The last audit entry's sequence number (a reopened order's continue after the finished run's).</summary>
    public int AuditSequence => auditSequence;

    /// <summary>How many audit entries wait for the next record.</summary>
    public int Pending => pending.Count;

    /// <summary>The last progress record's sequence number (the order row refuses an older one).</summary>
    public int ProgressSequence => progressSequence;

    /// <summary>
    /// Adds an audit entry, written with the next record. People's actions carry the time they acted (from their
    /// request); the workflow's own, the replay-safe clock.
    /// </summary>
    public void Audit(string actor, AuditAction action, string? detail = null, DateTimeOffset? at = null) =>
        pending.Add(new AuditEntry(++auditSequence, at ?? run.Now, actor, action.ToString(), detail));

    /// <summary>Records the order's stage and the pending audit entries, with an activity of its own.</summary>
    public Task RecordAsync() => run.Context.RecordProgressAsync(TakeRecord(), run.ActivityOptions);

    /// <summary>
    /// The record of the order's stage and the pending audit entries, numbered, for an activity to write: from 1.3 the
    /// step's own activity carries it (one activity, two queue messages and one orchestration episode fewer).
    /// </summary>
    public ProgressRequest TakeRecord() => TakeRecord(run.Status);

    /// <summary>The record of <paramref name="status"/> (the stage about to be entered) and the pending audit entries, numbered.</summary>
    public ProgressRequest TakeRecord(ProvisioningStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var entries = pending.ToList();
        pending.Clear();
        return new ProgressRequest(run.Order.OrderId, ++progressSequence, status.Stage, status.Outcome, run.AssignedOrganizationId(), entries, run.Now, run.ChosenOrganizationId(),
            run.Order.SubscriptionId, run.Contact, status.Submission?.CompanyName, status.Stage.IsFinal() ? null : status.ExpiresAt);
    }

    /// <summary>
    /// The one rule for a record followed by an activity: from <paramref name="version"/> (1.3 unless given; 1.4 for an
    /// approval request) the record is answered for that activity to carry (<see cref="TakeRecord()"/>); before, it is
    /// recorded here with an activity of its own and null is answered.
    /// </summary>
    public async Task<ProgressRequest?> RecordOrCarryAsync(string version = ProvisioningWorkflow.FoldsRecords)
    {
        if (run.Takes(version))
        {
            return TakeRecord();
        }

        await RecordAsync();
        return null;
    }

    /// <summary>
    /// The audit entry an activity adds only if what it does happens (a callback delivered): numbered next, but the
    /// number is taken only by <see cref="Took"/>.
    /// </summary>
    public AuditEntry Tentative(string actor, AuditAction action, string? detail = null) => new(auditSequence + 1, run.Now, actor, action.ToString(), detail);

    /// <summary>A tentative entry (<see cref="Tentative(string, AuditAction, string?)"/>) numbered after another one, <paramref name="after"/>.</summary>
    public AuditEntry Tentative(AuditEntry after, string actor, AuditAction action, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(after);
        return new(after.Sequence + 1, run.Now, actor, action.ToString(), detail);
    }

    /// <summary>The activity added <paramref name="entry"/> (<see cref="Tentative(string, AuditAction, string?)"/>): its number is taken.</summary>
    public void Took(AuditEntry entry) => auditSequence = entry.Sequence;

    /// <summary>
    /// A record taken (<see cref="TakeRecord()"/>) that its activity did not write: its entries are pending again. Its
    /// number stays used: an activity that ran more than once may have written it on an earlier run, and the next
    /// record must still move the order row.
    /// </summary>
    public void Return(ProgressRequest record) => pending.InsertRange(0, record.Audit);

    /// <summary>
    /// Sends email for as long as it takes: when the service throttles, a durable timer waits as long as it asks (no
    /// worker is held), then the activity runs again; its emails carry idempotency keys, so none goes out twice.
    /// </summary>
    /// <param name="activity">The mail activity's name, for the audit (<c>nameof</c>).</param>
    /// <param name="send">Runs the activity once.</param>
    /// <param name="first">What an activity that already tried to send answered (1.4: the ending's, throttled), if one did.</param>
    public async Task SendAsync(string activity, Func<TaskOptions, Task<MailDelivery>> send, MailDelivery? first = null)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            var delivery = first ?? await send(run.MailOptions);
            first = null;
            if (!delivery.Throttled)
            {
                if (waited > TimeSpan.Zero)
                {
                    Audit("system", AuditAction.EmailSentAfterThrottling, $"{activity} after waiting {waited}");
                    await RecordAsync();
                }

                return;
            }

            var wait = delivery.RetryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delivery.RetryAfter > ProvisioningWorkflow.MaxThrottleWait ? ProvisioningWorkflow.MaxThrottleWait : delivery.RetryAfter;
            if (waited == TimeSpan.Zero)
            {
                // Recorded at once: the wait can last hours, and the operator should see why the order is quiet.
                Audit("system", AuditAction.EmailThrottled, $"{activity}: the email service asks to wait {delivery.RetryAfter}");
                await RecordAsync();
            }

            waited += wait;
            run.Logger.LogWarning(LogEvents.EmailThrottled, "Order {OrderId}: {Activity} throttled; waiting {Wait}, {Held} in all by the next try", run.Order.OrderId, activity, wait, waited);
            await run.Context.CreateTimer((run.Now + wait).UtcDateTime, CancellationToken.None);
        }
    }
}
