using System.Globalization;
using Azure.Data.Tables;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// An order's audit trail: one row per entry in the order's partition of the Orders table, keyed by the sequence number
/// the workflow assigns, so a replayed write lands on the same row.
/// </summary>
internal sealed class OrderAudit(TableClient table)
{
    const string Prefix = "audit|";

    /// <summary>Writes the entries (upserts, in batches of the order's partition).</summary>
    public async Task WriteAsync(string orderId, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        var pk = OrderRow.PartitionKey(orderId);
        foreach (var chunk in entries.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, RowKey(a.Sequence))
            {
                ["Sequence"] = a.Sequence,
                ["At"] = a.At,
                ["Actor"] = a.Actor,
                ["Action"] = a.Action,
                ["Detail"] = a.Detail,
            })), cancellationToken);
        }
    }

    /// <summary>The trail, oldest first (a range query of the order's partition).</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(string orderId, CancellationToken cancellationToken)
    {
        var pk = OrderRow.PartitionKey(orderId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {Prefix} and RowKey lt {"audit}"}");
        var entries = new List<AuditEntry>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            entries.Add(new AuditEntry(e.GetInt32("Sequence") ?? 0, e.GetDateTimeOffset("At") ?? default, e.GetString("Actor"), e.GetString("Action"), e.GetString("Detail")));
        }

        return entries.OrderBy(e => e.Sequence).ToList();
    }

    static string RowKey(int sequence) => Prefix + sequence.ToString("D6", CultureInfo.InvariantCulture);
}
