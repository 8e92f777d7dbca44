using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// The OrderIndex table, newest first: PartitionKey <c>all</c>, a stage name, or <c>org|&lt;organization id&gt;</c> for
/// every organization the order named (assigned or chosen); RowKey the reversed creation time and the order id. The
/// order row remembers which stage it is indexed under, so moving it is one upsert and one delete, and which
/// organizations, so their entries follow its stage and a purge finds them all.
/// </summary>
internal sealed class OrderIndex(TableClient index, TableClient orders)
{
    const string AllOrders = "all";
    const string OrganizationPrefix = "org|";

    /// <summary>Brings the order's entries to what its row says, then notes in the row where it is indexed.</summary>
    public async Task IndexAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var order = OrderRow.FromEntity(row);
        var rowKey = RowKey(order.CreatedAt, order.OrderId);
        var indexedStage = row.GetString("IndexedStage");
        var indexedOrganizations = IndexedOrganizations(row);
        var organizations = indexedOrganizations.Union(new[] { order.OrganizationId, order.ChosenOrganizationId }.OfType<string>(), StringComparer.Ordinal).ToList();
        foreach (var partition in new[] { AllOrders, order.Stage.ToString() }.Concat(organizations.Select(OrganizationPartition)))
        {
            await index.UpsertEntityAsync(Entry(order, partition, rowKey), TableUpdateMode.Replace, cancellationToken);
        }

        if (indexedStage != order.Stage.ToString() && !string.IsNullOrEmpty(indexedStage))
        {
            await index.DeleteEntityAsync(indexedStage, rowKey, ETag.All, cancellationToken);
        }

        await MarkAsync(order, indexedStage, indexedOrganizations.Count, organizations, cancellationToken);
    }

    /// <summary>Deletes every entry of the order its row says it has (retention purge).</summary>
    public async Task RemoveAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var order = OrderRow.FromEntity(row);
        var rowKey = RowKey(order.CreatedAt, order.OrderId);
        await index.DeleteEntityAsync(AllOrders, rowKey, ETag.All, cancellationToken);
        await index.DeleteEntityAsync(order.Stage.ToString(), rowKey, ETag.All, cancellationToken);
        foreach (var organizationId in IndexedOrganizations(row))
        {
            await index.DeleteEntityAsync(OrganizationPartition(organizationId), rowKey, ETag.All, cancellationToken);
        }
    }

    /// <summary>One page of orders, newest first, optionally of one stage (a single-partition query).</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListAsync(ProvisioningStage? stage, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        ListPartitionAsync(stage?.ToString() ?? AllOrders, continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the orders that named an organization, newest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListByOrganizationAsync(string organizationId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        ListPartitionAsync(OrganizationPartition(organizationId), continuationToken, pageSize, cancellationToken);

    /// <summary>
    /// The orders awaiting an approval: those that named the organization (one partition; an order that named it
    /// before may be waiting on another), or, without one, every order of that stage. Order ids only.
    /// </summary>
    public async Task<IReadOnlyList<string>> AwaitingApprovalAsync(string? organizationId, CancellationToken cancellationToken)
    {
        var stage = ProvisioningStage.AwaitingAdminApproval.ToString();
        var filter = organizationId is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {stage}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {OrganizationPartition(organizationId)} and Stage eq {stage}");
        var ids = new List<string>();
        await foreach (var entry in index.QueryAsync<TableEntity>(filter, select: ["OrderId"], cancellationToken: cancellationToken))
        {
            ids.Add(entry.GetString("OrderId"));
        }

        return ids;
    }

    /// <summary>How many entries each stage's partition holds, stopping past <see cref="OrderStore.CountCap"/> (key-only queries).</summary>
    public async Task<(IReadOnlyDictionary<ProvisioningStage, int> Counts, IReadOnlyList<ProvisioningStage> Capped)> CountAsync(CancellationToken cancellationToken)
    {
        var stages = Enum.GetValues<ProvisioningStage>();
        var counts = await Task.WhenAll(stages.Select(stage => CountPartitionAsync(stage.ToString(), cancellationToken)));
        return (
            stages.Zip(counts).ToDictionary(p => p.First, p => Math.Min(p.Second, OrderStore.CountCap)),
            stages.Zip(counts).Where(p => p.Second > OrderStore.CountCap).Select(p => p.First).ToList());
    }

    async Task<int> CountPartitionAsync(string partition, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var count = 0;
        await foreach (var page in index.QueryAsync<TableEntity>(filter, maxPerPage: OrderStore.CountCap, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages(pageSizeHint: OrderStore.CountCap))
        {
            count += page.Values.Count;
            if (count > OrderStore.CountCap)
            {
                break;
            }
        }

        return count;
    }

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

    // Notes in the order row the stage and organizations it is now indexed under, when they changed.
    async Task MarkAsync(OrderRecord order, string? indexedStage, int indexedOrganizationCount, List<string> organizations, CancellationToken cancellationToken)
    {
        var marks = new TableEntity(OrderRow.PartitionKey(order.OrderId), OrderRow.RowKey);
        var marked = false;
        if (indexedStage != order.Stage.ToString())
        {
            marks["IndexedStage"] = order.Stage.ToString();
            marked = true;
        }

        if (organizations.Count != indexedOrganizationCount)
        {
            marks["IndexedOrganizations"] = JsonSerializer.Serialize(organizations);
            marked = true;
        }

        if (marked)
        {
            await orders.UpdateEntityAsync(marks, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
    }

    static TableEntity Entry(OrderRecord order, string partition, string rowKey) => new(partition, rowKey)
    {
        ["OrderId"] = order.OrderId,
        ["Stage"] = order.Stage.ToString(),
        ["Outcome"] = order.Outcome?.ToString() ?? string.Empty,
        ["CreatedAt"] = order.CreatedAt,
        ["UpdatedAt"] = order.UpdatedAt,
    };

    static List<string> IndexedOrganizations(TableEntity row) =>
        row.GetString("IndexedOrganizations") is { Length: > 0 } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];

    static string OrganizationPartition(string organizationId) => OrganizationPrefix + TableKey.Encode(organizationId);

    static string RowKey(DateTimeOffset createdAt, string orderId) =>
        (DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + TableKey.Encode(orderId);
}
