using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>What is left of a progress record whose last step was deferred (<see cref="OrderStore.SettleAsync"/>).</summary>
public sealed record RecordSettle(string OrderId, int Sequence, IReadOnlyList<OrderIndexKey> Wanted, ETag Version);

/// <summary>
/// The Orders table: one partition per order holding its row (the projection the operator reads, <see cref="OrderRow"/>),
/// a gate row that lets exactly one command answer each waiting step (<see cref="OrderGate"/>), and its audit trail
/// (<see cref="OrderAudit"/>); and the orders index the operator's lists read (<see cref="OrderIndex"/>).
/// </summary>
public sealed class OrderStore(TableServiceClient service, TableNames names)
{
    /// <summary>The most orders <see cref="CountAsync"/> counts in one stage; a stage holding more reports this number and is flagged.</summary>
    public const int CountCap = 1000;

    /// <summary>
    /// How long a delivery that registered an order has to start its workflow before a repeated delivery may take
    /// over. Starting takes well under a second; the lease only has to outlast a slow one, because two concurrent
    /// starts of one instance confuse the Azure Storage provider.
    /// </summary>
    public static readonly TimeSpan StartLease = TimeSpan.FromSeconds(15);

    /// <summary>How long a claimed step stays claimed if its command never reaches the workflow (the claimant crashed before raising it).</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(60);

    readonly TableClient table = service.GetTableClient(names.Orders);
    readonly OrderAudit audit = new(service.GetTableClient(names.Orders));
    readonly OrderGate gate = new(service.GetTableClient(names.Orders));
    readonly OrderGate operatorGate = new(service.GetTableClient(names.Orders), "opgate");
    readonly OrderIndex index = new(service.GetTableClient(names.OrderIndex), service.GetTableClient(names.Orders));

    /// <summary>
    /// Registers an order exactly once: an insert that only the first delivery wins. The new order is indexed at once
    /// (newest first, its stage, its contact and its subscription), so it is found before its workflow records anything;
    /// the row names those entries in the same insert, so the workflow's first progress record moves them.
    /// </summary>
    /// <remarks><paramref name="fingerprint"/> tells a repeated delivery of the same order from a different order under the same id.</remarks>
    public async Task<(OrderRegistration Result, OrderRecord Record)> RegisterAsync(string orderId, string fingerprint, string instanceId, DateTimeOffset now, string? subscriptionId, string? contactEmail, CancellationToken cancellationToken, DateTimeOffset? invitationDeadline = null)
    {
        // The first delivery owns starting the workflow; StartClaimedAt lets a later delivery take over if it never does.
        var record = new OrderRecord(orderId, instanceId, fingerprint, now, now, ProvisioningStage.InvitationSent, null, null, WorkflowStarted: false, StartClaimedAt: now, SubscriptionId: subscriptionId, ContactEmail: contactEmail, ExpiresAt: invitationDeadline);
        var row = OrderRow.ToEntity(record);
        var entries = OrderIndex.EntriesFor(record, []);
        OrderIndex.NoteIndexed(row, entries);

        // Settled from the start: the workflow's first record changes no entry (the deadline is the one it starts
        // with), so it writes none. A delivery that crashed before writing them leaves the order unstarted, and the
        // delivery that takes the start over writes them again (ReindexAsync) before it starts the workflow.
        OrderIndex.NoteSettled(row, 0);
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(orderId, cancellationToken) ?? throw new InvalidOperationException("An order row vanished while being registered.", e);
            return (existing.Fingerprint == fingerprint ? OrderRegistration.Replay : OrderRegistration.Conflict, existing);
        }

        // A crash before these leaves the order unindexed until its first progress record, which writes every entry.
        await index.WriteAsync(record, entries, [], cancellationToken);
        return (OrderRegistration.Created, record);
    }

    /// <summary>
    /// Lets one repeated delivery start a workflow that the first delivery did not (it crashed after registering
    /// the order): <see cref="StartClaim.Claimed"/> when the start was never done and the previous claim has lapsed;
    /// concurrent callers get <see cref="StartClaim.Held"/>.
    /// </summary>
    public async Task<StartClaim> TryClaimStartAsync(string orderId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pk = OrderRow.PartitionKey(orderId);
        var current = await table.GetEntityIfExistsAsync<TableEntity>(pk, OrderRow.RowKey, cancellationToken: cancellationToken);
        if (!current.HasValue || current.Value!.GetBoolean("WorkflowStarted") != false)
        {
            return StartClaim.Started;
        }

        if (current.Value.GetDateTimeOffset("StartClaimedAt") is { } claimed && now - claimed < StartLease)
        {
            return StartClaim.Held;
        }

        try
        {
            await table.UpdateEntityAsync(new TableEntity(pk, OrderRow.RowKey) { ["StartClaimedAt"] = now }, current.Value.ETag, TableUpdateMode.Merge, cancellationToken);
            return StartClaim.Claimed;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return StartClaim.Held;
        }
    }

    /// <summary>Writes every index entry of the order as its row says (a delivery taking over a start the first one never did).</summary>
    public async Task ReindexAsync(string orderId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(OrderRow.PartitionKey(orderId), OrderRow.RowKey, cancellationToken: cancellationToken);
        if (row.HasValue)
        {
            await index.IndexAsync(row.Value!, cancellationToken);
        }
    }

    /// <summary>Notes that the order's workflow exists, so repeated deliveries need not look again.</summary>
    public Task MarkStartedAsync(string orderId, CancellationToken cancellationToken) =>
        table.UpdateEntityAsync(new TableEntity(OrderRow.PartitionKey(orderId), OrderRow.RowKey) { ["WorkflowStarted"] = true }, ETag.All, TableUpdateMode.Merge, cancellationToken);

    /// <summary>The order's row, or null (one point read).</summary>
    public async Task<OrderRecord?> GetAsync(string orderId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(OrderRow.PartitionKey(orderId), OrderRow.RowKey, cancellationToken: cancellationToken);
        return response.HasValue ? OrderRow.FromEntity(response.Value!) : null;
    }

    /// <summary>
    /// Records progress — only if it is newer than what the order row holds, so a late duplicate run of an older step
    /// never rolls it back: the audit entries (upserts keyed by sequence) and the order row in one batch of the
    /// order's partition, guarded by the row's version, the row naming every index entry the order may have (those it
    /// will keep and those about to go); then the orders index; then the row names only the entries left, guarded by
    /// the version this record wrote (a newer record that moved it meanwhile gets the index back as its row says).
    /// Each part is idempotent, and a crash between them is healed by the next record (or the same one run again),
    /// which starts from what the row names.
    /// </summary>
    /// <remarks>
    /// <paramref name="alongside"/>: other rows of the order's partition, upserted in the record's batch.
    /// <paramref name="deferSettle"/>: the last step (the row naming only the entries left) is answered instead of done,
    /// for <see cref="SettleAsync"/> to do with the audit entries that follow (null when there is nothing to settle).
    /// </remarks>
    public async Task<RecordSettle?> RecordProgressAsync(ProgressRequest progress, CancellationToken cancellationToken, IReadOnlyList<TableEntity>? alongside = null, bool deferSettle = false)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var pk = OrderRow.PartitionKey(progress.OrderId);
        var rows = (alongside ?? []).Select(r => r.PartitionKey == pk ? r : throw new ArgumentException("A row written alongside a record must be in the order's partition.", nameof(alongside))).ToList();
        for (var attempt = 1; ; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(pk, OrderRow.RowKey, cancellationToken: cancellationToken);
            if (!current.HasValue || (current.Value!.GetInt32("ProgressSequence") ?? 0) >= progress.Sequence)
            {
                // Gone, or a newer record (or this one, on an earlier run) moved the row: the entries, and the index as the row says.
                await audit.WriteAsync(progress.OrderId, progress.Audit, cancellationToken, rows);
                if (current.HasValue)
                {
                    await index.IndexAsync(current.Value!, cancellationToken);
                }

                return null;
            }

            var row = current.Value!;
            var update = OrderRow.Progress(progress);
            var next = new TableEntity(row);
            foreach (var (key, value) in update)
            {
                next[key] = value;
            }

            // From a settled index, only what this record changes; otherwise (a record was cut short) every entry.
            var (wanted, gone) = OrderIndex.Plan(next);
            var upserts = OrderIndex.IsSettled(row) ? OrderIndex.Changed(row, OrderRow.FromEntity(next), wanted) : wanted;
            var settledNow = upserts.Count == 0 && gone.Count == 0;
            if (!OrderIndex.Names(row, [.. wanted, .. gone]))
            {
                OrderIndex.NoteIndexed(update, [.. wanted, .. gone]);
            }

            if (settledNow)
            {
                OrderIndex.NoteSettled(update, progress.Sequence);
            }

            ETag version;
            try
            {
                if (progress.Audit.Count + rows.Count < 100)
                {
                    var written = await table.SubmitTransactionAsync([.. OrderAudit.Upserts(progress.OrderId, progress.Audit), .. rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), new TableTransactionAction(TableTransactionActionType.UpdateMerge, update, row.ETag)], cancellationToken);
                    version = written.Value[^1].Headers.ETag ?? ETag.All;
                }
                else
                {
                    await audit.WriteAsync(progress.OrderId, progress.Audit, cancellationToken, rows);
                    version = (await table.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, cancellationToken)).Headers.ETag ?? ETag.All;
                }
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 10)
            {
                // Another writer changed the row since it was read: read it again.
                continue;
            }

            if (settledNow)
            {
                return null;
            }

            await index.WriteAsync(OrderRow.FromEntity(next), upserts, gone, cancellationToken);
            var settle = new RecordSettle(progress.OrderId, progress.Sequence, wanted, version);
            if (deferSettle)
            {
                return settle;
            }

            await SettleAsync(progress.OrderId, settle, [], cancellationToken);
            return null;
        }
    }

    /// <summary>
    /// The last step of a record (<see cref="RecordProgressAsync"/>), with audit entries that follow it in the same batch:
    /// the row names only the entries left, if it is still this record's. A newer record that moved the row while the
    /// entries were written may have been overwritten by them, and the index goes back to what the row says. Without a
    /// settle (null: nothing to settle) only the entries are written.
    /// </summary>
    public async Task SettleAsync(string orderId, RecordSettle? settle, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (settle is null)
        {
            await audit.WriteAsync(orderId, entries, cancellationToken);
            return;
        }

        var pk = OrderRow.PartitionKey(settle.OrderId);
        var marks = new TableEntity(pk, OrderRow.RowKey);
        OrderIndex.NoteIndexed(marks, settle.Wanted);
        OrderIndex.NoteSettled(marks, settle.Sequence);
        try
        {
            if (entries.Count is > 0 and < 100)
            {
                await table.SubmitTransactionAsync([.. OrderAudit.Upserts(settle.OrderId, entries), new TableTransactionAction(TableTransactionActionType.UpdateMerge, marks, settle.Version)], cancellationToken);
            }
            else
            {
                await audit.WriteAsync(settle.OrderId, entries, cancellationToken);
                await table.UpdateEntityAsync(marks, settle.Version, TableUpdateMode.Merge, cancellationToken);
            }
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            if (entries.Count is > 0 and < 100)
            {
                // The batch wrote nothing: the entries alone.
                await audit.WriteAsync(settle.OrderId, entries, cancellationToken);
            }

            if ((await table.GetEntityIfExistsAsync<TableEntity>(pk, OrderRow.RowKey, cancellationToken: cancellationToken)) is { HasValue: true } newer)
            {
                await index.IndexAsync(newer.Value!, cancellationToken, alsoGone: settle.Wanted);
            }
        }
    }

    /// <summary>
    /// Records the progress an activity carries for the workflow (1.3: the record rides on the step's own activity
    /// instead of an activity of its own), if any. Idempotent like <see cref="RecordProgressAsync"/>.
    /// </summary>
    /// <remarks>
    /// <paramref name="alongside"/>: rows of the order's partition the activity writes anyway (upserts: a link's
    /// listing, the candidates), written in the record's batch; true when they were, false when there was no record.
    /// </remarks>
    public async Task<bool> RecordCarriedAsync(ProgressRequest? progress, CancellationToken cancellationToken, IReadOnlyList<TableEntity>? alongside = null)
    {
        if (progress is null)
        {
            return false;
        }

        await RecordProgressAsync(progress, cancellationToken, alongside);
        return true;
    }

    /// <summary>One page of orders, newest first, optionally of one stage (a single-partition query of the orders index).</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListAsync(ProvisioningStage? stage, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        index.ListAsync(stage, continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the orders that named an organization (assigned to it or chose it), newest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListByOrganizationAsync(string organizationId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        index.ListByOrganizationAsync(organizationId, continuationToken, pageSize, cancellationToken);

    /// <summary>The orders awaiting an approval that named the organization (or, without one, all of them), with the organization each waits on when its index entry says.</summary>
    public Task<IReadOnlyList<(string OrderId, string? ChosenOrganizationId)>> AwaitingApprovalAsync(string? organizationId, CancellationToken cancellationToken) =>
        index.AwaitingApprovalAsync(organizationId, cancellationToken);

    /// <summary>One page of the orders whose current contact is the same person as <paramref name="email"/> (case, IDN), newest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListByContactAsync(string email, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        index.ListByContactAsync(email, continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the orders of a subscription, newest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListBySubscriptionAsync(string subscriptionId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        index.ListBySubscriptionAsync(subscriptionId, continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the orders whose typed company name, folded as matching folds it, starts with <paramref name="text"/> folded.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListByCompanyPrefixAsync(string text, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        index.ListByCompanyPrefixAsync(text, continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the open orders whose current deadline is before <paramref name="before"/>, soonest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListExpiringBeforeAsync(DateTimeOffset before, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        index.ListExpiringBeforeAsync(before, continuationToken, pageSize, cancellationToken);

    /// <summary>
    /// How many orders each stage holds: one key-only query of each stage's index partition, never a scan of the
    /// table; a stage holding more than <see cref="CountCap"/> stops there (its count is the cap, and it is in Capped).
    /// </summary>
    public Task<(IReadOnlyDictionary<ProvisioningStage, int> Counts, IReadOnlyList<ProvisioningStage> Capped)> CountAsync(CancellationToken cancellationToken) =>
        index.CountAsync(cancellationToken);

    /// <summary>
    /// Writes audit entries without moving the order (upserts keyed by sequence, so writing them again changes nothing):
    /// for what happens to an order after its workflow finished, numbered apart from the workflow's own entries.
    /// </summary>
    public Task RecordAuditAsync(string orderId, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken) =>
        audit.WriteAsync(orderId, entries, cancellationToken);

    /// <summary>
    /// Adds an audit entry once per <paramref name="key"/>, however often it is told (true when this call added it), to
    /// an order that exists (false otherwise): for what the world reports about an order, such as an email's delivery.
    /// </summary>
    public async Task<bool> RecordAuditOnceAsync(string orderId, string key, Func<int, AuditEntry> entry, CancellationToken cancellationToken) =>
        (await table.GetEntityIfExistsAsync<TableEntity>(OrderRow.PartitionKey(orderId), OrderRow.RowKey, select: ["RowKey"], cancellationToken: cancellationToken)).HasValue
        && await audit.AddOnceAsync(orderId, key, entry, cancellationToken);

    /// <summary>The audit trail, oldest first.</summary>
    public Task<IReadOnlyList<AuditEntry>> GetAuditAsync(string orderId, CancellationToken cancellationToken) =>
        audit.ListAsync(orderId, cancellationToken);

    /// <summary>
    /// Lets exactly one command answer a waiting step: the first caller for <paramref name="step"/> wins;
    /// concurrent or later callers for the same step lose (409 to them). A claim the workflow has not acted on
    /// within <see cref="ClaimLease"/> lapses, so a crash between claiming and raising the event cannot leave
    /// the order stuck; the workflow ignores a second event for a step it already left.
    /// </summary>
    public Task<bool> ClaimStepAsync(string orderId, int step, DateTimeOffset now, CancellationToken cancellationToken) =>
        gate.ClaimAsync(orderId, step, now, cancellationToken);

    /// <summary>
    /// Like <see cref="ClaimStepAsync"/>, for an operator's command on a gate of its own: one operator command per
    /// step, never blocked by the people the step waits for (the workflow takes a fresh operator command whatever
    /// step it has moved to since).
    /// </summary>
    public Task<bool> ClaimOperatorStepAsync(string orderId, int step, DateTimeOffset now, CancellationToken cancellationToken) =>
        operatorGate.ClaimAsync(orderId, step, now, cancellationToken);

    /// <summary>
    /// After an operator's claim: takes the people's gate for <paramref name="step"/> too, whoever held it, so nobody
    /// (an old link's holder above all) can answer the step the operator's command is for; a command someone raised
    /// before may still arrive first, as it would have without the operator.
    /// </summary>
    public Task HoldStepAsync(string orderId, int step, DateTimeOffset now, CancellationToken cancellationToken) =>
        gate.HoldAsync(orderId, step, now, cancellationToken);

    /// <summary>Deletes everything kept for an order (retention purge), its index entries included.</summary>
    public async Task DeleteAsync(string orderId, CancellationToken cancellationToken)
    {
        var pk = OrderRow.PartitionKey(orderId);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(pk, OrderRow.RowKey, cancellationToken: cancellationToken);
        if (row.HasValue)
        {
            await index.RemoveAsync(row.Value!, cancellationToken);
        }

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk}");
        var archived = false;
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (e.RowKey == ArchiveMarkerRowKey)
            {
                archived = true;
                continue;
            }

            await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
        }

        // Last: while any audit row is left, the marker says it is archived already, so a purge that dies halfway
        // through this delete never appends the rest of the trail to the archive a second time.
        if (archived)
        {
            await table.DeleteEntityAsync(pk, ArchiveMarkerRowKey, ETag.All, cancellationToken);
        }
    }

    /// <summary>Where the order's audit went in the archive (<see cref="AuditArchive"/>) and the marker's version, or null before anyone began archiving it.</summary>
    public async Task<(AuditArchiveMarker Marker, ETag Version)?> GetArchiveMarkerAsync(string orderId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(OrderRow.PartitionKey(orderId), ArchiveMarkerRowKey, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var e = row.Value!;
        return (new AuditArchiveMarker(e.GetString("Blob"), e.GetInt64("Offset") ?? 0, e.GetInt64("Length") ?? 0, e.GetBoolean("Done") ?? false, e.GetDateTimeOffset("ClaimedAt") ?? default), e.ETag);
    }

    /// <summary>
    /// Writes the marker only over the version <paramref name="ifMatch"/> (null: only when there is none): the new
    /// version, or null when another writer changed it first.
    /// </summary>
    public async Task<ETag?> TryWriteArchiveMarkerAsync(string orderId, AuditArchiveMarker marker, ETag? ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        var row = new TableEntity(OrderRow.PartitionKey(orderId), ArchiveMarkerRowKey)
        {
            ["Blob"] = marker.Blob,
            ["Offset"] = marker.Offset,
            ["Length"] = marker.Length,
            ["Done"] = marker.Done,
            ["ClaimedAt"] = marker.ClaimedAt,
        };
        try
        {
            var response = ifMatch is { } version
                ? await table.UpdateEntityAsync(row, version, TableUpdateMode.Replace, cancellationToken)
                : await table.AddEntityAsync(row, cancellationToken);
            return response.Headers.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    const string ArchiveMarkerRowKey = "archive";
}
