using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>An order as the Orders table keeps it: its identity, its fingerprint and where its workflow stands.</summary>
public sealed record OrderRecord(
    string OrderId,
    string InstanceId,
    string Fingerprint,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    bool WorkflowStarted = false,
    DateTimeOffset? StartClaimedAt = null,
    string? ChosenOrganizationId = null);

/// <summary>What a repeated delivery found when it tried to claim starting the order's workflow.</summary>
public enum StartClaim
{
    /// <summary>The workflow is known to be started (or the order is gone).</summary>
    Started,

    /// <summary>Another delivery is starting it and its lease has not lapsed.</summary>
    Held,

    /// <summary>This caller must start it now.</summary>
    Claimed,
}

/// <summary>
/// Records a stage change and audit entries; <see cref="Sequence"/> (the last audit sequence) orders progress records.
/// <see cref="OrganizationId"/> is set only once a subscription was assigned; <see cref="ChosenOrganizationId"/> names
/// the organization chosen without an assignment (rejected, expired, cancelled while awaiting approval).
/// </summary>
public sealed record ProgressRequest(
    string OrderId,
    int Sequence,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    IReadOnlyList<AuditEntry> Audit,
    DateTimeOffset At,
    string? ChosenOrganizationId = null);

/// <summary>One line of the operator's order list (SPEC §3).</summary>
public sealed record OrderSummary(string OrderId, ProvisioningStage Stage, ProvisioningOutcome? Outcome, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>What registering an order found.</summary>
public enum OrderRegistration
{
    /// <summary>New: start its workflow.</summary>
    Created,

    /// <summary>The same order again: answer as before.</summary>
    Replay,

    /// <summary>The same order id with a different body.</summary>
    Conflict,
}

/// <summary>
/// The Orders table: one partition per order holding its row (the projection the operator reads), a gate row
/// that lets exactly one command answer each waiting step, and its audit trail (one row per entry, keyed by
/// the sequence number the workflow assigns, so a replayed write lands on the same row).
/// </summary>
public sealed class OrderStore(TableServiceClient service, TableNames names)
{
    const string OrderRow = "order";
    const string GateRow = "gate";
    const string AuditPrefix = "audit|";
    const string AllOrders = "all";
    const string OrganizationPrefix = "org|";

    /// <summary>The most orders <see cref="CountAsync"/> counts in one stage; a stage holding more reports this number and is flagged.</summary>
    public const int CountCap = 1000;

    readonly TableClient table = service.GetTableClient(names.Orders);
    readonly TableClient index = service.GetTableClient(names.OrderIndex);

    /// <summary>Registers an order exactly once: an insert that only the first delivery wins.</summary>
    /// <remarks><paramref name="fingerprint"/> tells a repeated delivery of the same order from a different order under the same id.</remarks>
    public async Task<(OrderRegistration Result, OrderRecord Record)> RegisterAsync(string orderId, string fingerprint, string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The first delivery owns starting the workflow; StartClaimedAt lets a later delivery take over if it never does.
        var record = new OrderRecord(orderId, instanceId, fingerprint, now, now, ProvisioningStage.InvitationSent, null, null, WorkflowStarted: false, StartClaimedAt: now);
        try
        {
            await table.AddEntityAsync(ToEntity(record), cancellationToken);
            return (OrderRegistration.Created, record);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(orderId, cancellationToken) ?? throw new InvalidOperationException("An order row vanished while being registered.", e);
            return (existing.Fingerprint == fingerprint ? OrderRegistration.Replay : OrderRegistration.Conflict, existing);
        }
    }

    /// <summary>
    /// How long a delivery that registered an order has to start its workflow before a repeated delivery may take
    /// over. Starting takes well under a second; the lease only has to outlast a slow one, because two concurrent
    /// starts of one instance confuse the Azure Storage provider.
    /// </summary>
    public static readonly TimeSpan StartLease = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Lets one repeated delivery start a workflow that the first delivery did not (it crashed after registering
    /// the order): <see cref="StartClaim.Claimed"/> when the start was never done and the previous claim has lapsed;
    /// concurrent callers get <see cref="StartClaim.Held"/>.
    /// </summary>
    public async Task<StartClaim> TryClaimStartAsync(string orderId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pk = TableKey.Encode(orderId);
        var current = await table.GetEntityIfExistsAsync<TableEntity>(pk, OrderRow, cancellationToken: cancellationToken);
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
            await table.UpdateEntityAsync(new TableEntity(pk, OrderRow) { ["StartClaimedAt"] = now }, current.Value.ETag, TableUpdateMode.Merge, cancellationToken);
            return StartClaim.Claimed;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return StartClaim.Held;
        }
    }

    /// <summary>Notes that the order's workflow exists, so repeated deliveries need not look again.</summary>
    public Task MarkStartedAsync(string orderId, CancellationToken cancellationToken) =>
        table.UpdateEntityAsync(new TableEntity(TableKey.Encode(orderId), OrderRow) { ["WorkflowStarted"] = true }, ETag.All, TableUpdateMode.Merge, cancellationToken);

    /// <summary>The order's row, or null (one point read).</summary>
    public async Task<OrderRecord?> GetAsync(string orderId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(TableKey.Encode(orderId), OrderRow, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>
    /// Records progress: the audit entries (upserts keyed by sequence), then the order row — only if this progress
    /// is newer than what it holds, so a late duplicate run of an older step never rolls it back — then the orders
    /// index. Each part is idempotent, and a crash between them is healed by the next call.
    /// </summary>
    public async Task RecordProgressAsync(ProgressRequest progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var pk = TableKey.Encode(progress.OrderId);
        foreach (var chunk in progress.Audit.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, AuditRowKey(a.Sequence))
            {
                ["Sequence"] = a.Sequence,
                ["At"] = a.At,
                ["Actor"] = a.Actor,
                ["Action"] = a.Action,
                ["Detail"] = a.Detail,
            })), cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(pk, OrderRow, cancellationToken: cancellationToken);
            if (!current.HasValue)
            {
                return;
            }

            var row = current.Value!;
            if ((row.GetInt32("ProgressSequence") ?? 0) < progress.Sequence)
            {
                var update = new TableEntity(pk, OrderRow)
                {
                    ["Stage"] = progress.Stage.ToString(),
                    ["UpdatedAt"] = progress.At,
                    ["Outcome"] = progress.Outcome?.ToString() ?? string.Empty,
                    ["OrganizationId"] = progress.OrganizationId ?? string.Empty,
                    ["ChosenOrganizationId"] = progress.ChosenOrganizationId ?? string.Empty,
                    ["ProgressSequence"] = progress.Sequence,
                };
                try
                {
                    await table.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, cancellationToken);
                }
                catch (RequestFailedException e) when (e.Status == 412 && attempt < 10)
                {
                    continue;
                }

                foreach (var (key, value) in update)
                {
                    row[key] = value;
                }
            }

            await IndexAsync(FromEntity(row), row, cancellationToken);
            return;
        }
    }

    // The orders index: PartitionKey "all", a stage name, or "org|<organization id>" for every organization the order
    // named (assigned or chosen); RowKey newest first. The order row remembers which stage it is indexed under, so
    // moving it is one upsert and one delete, and which organizations, so their entries follow its stage and a purge
    // finds them all.
    async Task IndexAsync(OrderRecord order, TableEntity row, CancellationToken cancellationToken)
    {
        var rowKey = OrderIndexRowKey(order.CreatedAt, order.OrderId);
        TableEntity Entry(string partition) => new(partition, rowKey)
        {
            ["OrderId"] = order.OrderId,
            ["Stage"] = order.Stage.ToString(),
            ["Outcome"] = order.Outcome?.ToString() ?? string.Empty,
            ["CreatedAt"] = order.CreatedAt,
            ["UpdatedAt"] = order.UpdatedAt,
        };

        var indexedStage = row.GetString("IndexedStage");
        var indexedOrganizations = IndexedOrganizations(row);
        var organizations = indexedOrganizations.Union(new[] { order.OrganizationId, order.ChosenOrganizationId }.OfType<string>(), StringComparer.Ordinal).ToList();

        await index.UpsertEntityAsync(Entry(AllOrders), TableUpdateMode.Replace, cancellationToken);
        await index.UpsertEntityAsync(Entry(order.Stage.ToString()), TableUpdateMode.Replace, cancellationToken);
        foreach (var organizationId in organizations)
        {
            await index.UpsertEntityAsync(Entry(OrganizationPartition(organizationId)), TableUpdateMode.Replace, cancellationToken);
        }

        var marks = new TableEntity(TableKey.Encode(order.OrderId), OrderRow);
        var marked = false;
        if (indexedStage != order.Stage.ToString())
        {
            if (!string.IsNullOrEmpty(indexedStage))
            {
                await index.DeleteEntityAsync(indexedStage, rowKey, ETag.All, cancellationToken);
            }

            marks["IndexedStage"] = order.Stage.ToString();
            marked = true;
        }

        if (organizations.Count != indexedOrganizations.Count)
        {
            marks["IndexedOrganizations"] = JsonSerializer.Serialize(organizations);
            marked = true;
        }

        if (marked)
        {
            await table.UpdateEntityAsync(marks, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
    }

    static List<string> IndexedOrganizations(TableEntity row) =>
        row.GetString("IndexedOrganizations") is { Length: > 0 } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];

    static string OrganizationPartition(string organizationId) => OrganizationPrefix + TableKey.Encode(organizationId);

    /// <summary>One page of orders, newest first, optionally of one stage (a single-partition query of the orders index).</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListAsync(ProvisioningStage? stage, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        ListPartitionAsync(stage?.ToString() ?? AllOrders, continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the orders that named an organization (assigned to it or chose it), newest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListByOrganizationAsync(string organizationId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        ListPartitionAsync(OrganizationPartition(organizationId), continuationToken, pageSize, cancellationToken);

    async Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListPartitionAsync(string partition, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        await foreach (var page in index.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken).AsPages(continuationToken, pageSize))
        {
            var items = page.Values.Select(e => new OrderSummary(
                e.GetString("OrderId"),
                Enum.Parse<ProvisioningStage>(e.GetString("Stage")),
                e.GetString("Outcome") is { Length: > 0 } o ? Enum.Parse<ProvisioningOutcome>(o) : null,
                e.GetDateTimeOffset("CreatedAt") ?? default,
                e.GetDateTimeOffset("UpdatedAt") ?? default)).ToList();
            return (items, page.ContinuationToken);
        }

        return ([], null);
    }

    /// <summary>
    /// How many orders each stage holds: one key-only query of each stage's index partition, never a scan of the
    /// table; a stage holding more than <see cref="CountCap"/> stops there (its count is the cap, and it is in Capped).
    /// </summary>
    public async Task<(IReadOnlyDictionary<ProvisioningStage, int> Counts, IReadOnlyList<ProvisioningStage> Capped)> CountAsync(CancellationToken cancellationToken)
    {
        var stages = Enum.GetValues<ProvisioningStage>();
        var counts = await Task.WhenAll(stages.Select(async stage =>
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {stage.ToString()}");
            var count = 0;
            await foreach (var page in index.QueryAsync<TableEntity>(filter, maxPerPage: CountCap, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages(pageSizeHint: CountCap))
            {
                count += page.Values.Count;
                if (count > CountCap)
                {
                    break;
                }
            }

            return count;
        }));
        return (
            stages.Zip(counts).ToDictionary(p => p.First, p => Math.Min(p.Second, CountCap)),
            stages.Zip(counts).Where(p => p.Second > CountCap).Select(p => p.First).ToList());
    }

    /// <summary>The audit trail, oldest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> GetAuditAsync(string orderId, CancellationToken cancellationToken)
    {
        var pk = TableKey.Encode(orderId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {AuditPrefix} and RowKey lt {"audit}"}");
        var entries = new List<AuditEntry>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            entries.Add(new AuditEntry(e.GetInt32("Sequence") ?? 0, e.GetDateTimeOffset("At") ?? default, e.GetString("Actor"), e.GetString("Action"), e.GetString("Detail")));
        }

        return entries.OrderBy(e => e.Sequence).ToList();
    }

    /// <summary>How long a claimed step stays claimed if its command never reaches the workflow (the claimant crashed before raising it).</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Lets exactly one command answer a waiting step: the first caller for <paramref name="step"/> wins;
    /// concurrent or later callers for the same step lose (409 to them). A claim the workflow has not acted on
    /// within <see cref="ClaimLease"/> lapses, so a crash between claiming and raising the event cannot leave
    /// the order stuck; the workflow ignores a second event for a step it already left.
    /// </summary>
    public async Task<bool> ClaimStepAsync(string orderId, int step, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pk = TableKey.Encode(orderId);
        var current = await table.GetEntityIfExistsAsync<TableEntity>(pk, GateRow, cancellationToken: cancellationToken);
        var claimed = current.HasValue ? current.Value!.GetInt32("ClaimedStep") ?? 0 : 0;
        var claimedAt = current.HasValue ? current.Value!.GetDateTimeOffset("ClaimedAt") : null;
        if (claimed > step || (claimed == step && claimedAt is { } at && now - at < ClaimLease))
        {
            return false;
        }

        var gate = new TableEntity(pk, GateRow) { ["ClaimedStep"] = step, ["ClaimedAt"] = now };
        try
        {
            if (current.HasValue)
            {
                await table.UpdateEntityAsync(gate, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await table.AddEntityAsync(gate, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Deletes everything kept for an order (retention purge), its index entries included.</summary>
    public async Task DeleteAsync(string orderId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(TableKey.Encode(orderId), OrderRow, cancellationToken: cancellationToken);
        if (row.HasValue)
        {
            var order = FromEntity(row.Value!);
            var rowKey = OrderIndexRowKey(order.CreatedAt, orderId);
            await index.DeleteEntityAsync(AllOrders, rowKey, ETag.All, cancellationToken);
            await index.DeleteEntityAsync(order.Stage.ToString(), rowKey, ETag.All, cancellationToken);
            foreach (var organizationId in IndexedOrganizations(row.Value!))
            {
                await index.DeleteEntityAsync(OrganizationPartition(organizationId), rowKey, ETag.All, cancellationToken);
            }
        }

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(orderId)}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
        }
    }

    static string AuditRowKey(int sequence) => AuditPrefix + sequence.ToString("D6", CultureInfo.InvariantCulture);

    static string OrderIndexRowKey(DateTimeOffset createdAt, string orderId) =>
        (DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + TableKey.Encode(orderId);

    static TableEntity ToEntity(OrderRecord r) => new(TableKey.Encode(r.OrderId), OrderRow)
    {
        ["OrderId"] = r.OrderId,
        ["InstanceId"] = r.InstanceId,
        ["Fingerprint"] = r.Fingerprint,
        ["CreatedAt"] = r.CreatedAt,
        ["UpdatedAt"] = r.UpdatedAt,
        ["Stage"] = r.Stage.ToString(),
        ["Outcome"] = r.Outcome?.ToString(),
        ["OrganizationId"] = r.OrganizationId,
        ["WorkflowStarted"] = r.WorkflowStarted,
        ["StartClaimedAt"] = r.StartClaimedAt,
    };

    static OrderRecord FromEntity(TableEntity e) => new(
        e.GetString("OrderId"),
        e.GetString("InstanceId"),
        e.GetString("Fingerprint"),
        e.GetDateTimeOffset("CreatedAt") ?? default,
        e.GetDateTimeOffset("UpdatedAt") ?? default,
        Enum.Parse<ProvisioningStage>(e.GetString("Stage")),
        e.GetString("Outcome") is { Length: > 0 } o ? Enum.Parse<ProvisioningOutcome>(o) : null,
        e.GetString("OrganizationId") is { Length: > 0 } org ? org : null,
        e.GetBoolean("WorkflowStarted") ?? true,
        e.GetDateTimeOffset("StartClaimedAt"),
        e.GetString("ChosenOrganizationId") is { Length: > 0 } chosen ? chosen : null);
}
