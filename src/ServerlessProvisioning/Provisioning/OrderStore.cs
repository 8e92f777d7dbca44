using System.Globalization;
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
    string? OrganizationId);

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

    readonly TableClient table = service.GetTableClient(names.Orders);

    /// <summary>Registers an order exactly once: an insert that only the first delivery wins.</summary>
    public async Task<(OrderRegistration Result, OrderRecord Record)> RegisterAsync(OrderRequest order, string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var fingerprint = order.Fingerprint();
        var record = new OrderRecord(order.OrderId, instanceId, fingerprint, now, now, ProvisioningStage.InvitationSent, null, null);
        try
        {
            await table.AddEntityAsync(ToEntity(record), cancellationToken);
            return (OrderRegistration.Created, record);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(order.OrderId, cancellationToken) ?? throw new InvalidOperationException("An order row vanished while being registered.", e);
            return (existing.Fingerprint == fingerprint ? OrderRegistration.Replay : OrderRegistration.Conflict, existing);
        }
    }

    /// <summary>The order's row, or null (one point read).</summary>
    public async Task<OrderRecord?> GetAsync(string orderId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(TableKey.Encode(orderId), OrderRow, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Records a stage change and its audit entries in one batch; writing the same progress twice changes nothing.</summary>
    public async Task RecordProgressAsync(string orderId, ProvisioningStage stage, ProvisioningOutcome? outcome, string? organizationId, IReadOnlyList<AuditEntry> audit, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var pk = TableKey.Encode(orderId);
        var row = new TableEntity(pk, OrderRow)
        {
            ["Stage"] = stage.ToString(),
            ["UpdatedAt"] = at,
            ["Outcome"] = outcome?.ToString(),
            ["OrganizationId"] = organizationId,
        };
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateMerge, row, ETag.All) };
        actions.AddRange(audit.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, AuditRowKey(a.Sequence))
        {
            ["Sequence"] = a.Sequence,
            ["At"] = a.At,
            ["Actor"] = a.Actor,
            ["Action"] = a.Action,
            ["Detail"] = a.Detail,
        })));
        foreach (var chunk in actions.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk, cancellationToken);
        }
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

    /// <summary>
    /// Lets exactly one command answer a waiting step: the first caller for <paramref name="step"/> wins;
    /// concurrent or later callers for the same step lose (409 to them).
    /// </summary>
    public async Task<bool> ClaimStepAsync(string orderId, int step, CancellationToken cancellationToken)
    {
        var pk = TableKey.Encode(orderId);
        var current = await table.GetEntityIfExistsAsync<TableEntity>(pk, GateRow, cancellationToken: cancellationToken);
        var claimed = current.HasValue ? current.Value!.GetInt32("ClaimedStep") ?? 0 : 0;
        if (claimed >= step)
        {
            return false;
        }

        var gate = new TableEntity(pk, GateRow) { ["ClaimedStep"] = step };
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

    /// <summary>Deletes everything kept for an order (retention purge).</summary>
    public async Task DeleteAsync(string orderId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(orderId)}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
        }
    }

    static string AuditRowKey(int sequence) => AuditPrefix + sequence.ToString("D6", CultureInfo.InvariantCulture);

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
    };

    static OrderRecord FromEntity(TableEntity e) => new(
        e.GetString("OrderId"),
        e.GetString("InstanceId"),
        e.GetString("Fingerprint"),
        e.GetDateTimeOffset("CreatedAt") ?? default,
        e.GetDateTimeOffset("UpdatedAt") ?? default,
        Enum.Parse<ProvisioningStage>(e.GetString("Stage")),
        e.GetString("Outcome") is { Length: > 0 } o ? Enum.Parse<ProvisioningOutcome>(o) : null,
        e.GetString("OrganizationId"));
}
