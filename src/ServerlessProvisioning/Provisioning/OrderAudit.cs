using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// An order's audit trail: one row per entry in the order's partition of the Orders table, keyed by the sequence number
/// the workflow assigns, so a replayed write lands on the same row. What happens to an order outside its workflow and
/// may be told twice (an email service's delivery report) is added once per key instead (<see cref="AddOnceAsync"/>).
/// </summary>
internal sealed class OrderAudit(TableClient table)
{
    const string Prefix = "audit|";

    // Entries added once per key: inside the audit's range, after every numbered row ('o' sorts after the digits).
    const string OncePrefix = Prefix + "once|";

    // The next sequence of those entries; outside the audit's range ("auditn" sorts before "audit|").
    const string OnceCounter = "auditnext|once";

    /// <summary>Where the sequences of entries added once start: apart from the workflow's and the API's own.</summary>
    public const int OnceSequenceStart = 2_000_000_001;

    /// <summary>Writes the entries (upserts, in batches of the order's partition), and any other rows of that partition with them.</summary>
    public async Task WriteAsync(string orderId, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken, IReadOnlyList<TableEntity>? rows = null)
    {
        var upserts = Upserts(orderId, entries).Concat((rows ?? []).Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)));
        foreach (var chunk in upserts.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk, cancellationToken);
        }
    }

    /// <summary>The upserts that write the entries, for a batch of the order's partition (with its row, say).</summary>
    public static IEnumerable<TableTransactionAction> Upserts(string orderId, IEnumerable<AuditEntry> entries)
    {
        var pk = OrderRow.PartitionKey(orderId);
        return entries.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, RowKey(a.Sequence))
        {
            ["Sequence"] = a.Sequence,
            ["At"] = a.At,
            ["Actor"] = a.Actor,
            ["Action"] = a.Action,
            ["Detail"] = a.Detail,
        }));
    }

    /// <summary>
    /// Adds the entry made by <paramref name="entry"/> (given its sequence) unless one was added under
    /// <paramref name="key"/> before: true when this call added it. The entry and the counter its sequence comes from
    /// are written in one batch, the entry as an insert, so two callers at once (a repeated event) add it once and
    /// every such entry of the order has a sequence of its own.
    /// </summary>
    public async Task<bool> AddOnceAsync(string orderId, string key, Func<int, AuditEntry> entry, CancellationToken cancellationToken)
    {
        var pk = OrderRow.PartitionKey(orderId);
        var rowKey = OncePrefix + TableKey.Encode(key);
        for (var attempt = 1; ; attempt++)
        {
            if ((await table.GetEntityIfExistsAsync<TableEntity>(pk, rowKey, select: ["RowKey"], cancellationToken: cancellationToken)).HasValue)
            {
                return false;
            }

            var counter = await table.GetEntityIfExistsAsync<TableEntity>(pk, OnceCounter, cancellationToken: cancellationToken);
            var sequence = counter.HasValue ? counter.Value!.GetInt32("Next") ?? OnceSequenceStart : OnceSequenceStart;
            var a = entry(sequence);
            var next = new TableEntity(pk, OnceCounter) { ["Next"] = sequence + 1 };
            TableTransactionAction[] batch =
            [
                counter.HasValue
                    ? new(TableTransactionActionType.UpdateReplace, next, counter.Value!.ETag)
                    : new(TableTransactionActionType.Add, next),
                new(TableTransactionActionType.Add, new TableEntity(pk, rowKey)
                {
                    ["Sequence"] = sequence,
                    ["At"] = a.At,
                    ["Actor"] = a.Actor,
                    ["Action"] = a.Action,
                    ["Detail"] = a.Detail,
                }),
            ];
            try
            {
                await table.SubmitTransactionAsync(batch, cancellationToken);
                return true;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < 10)
            {
                // Another writer added this entry (read again: it is there) or another entry took the sequence.
            }
        }
    }

    /// <summary>
    /// The trail, oldest first (a range query of the order's partition): the numbered entries in their order, and each
    /// entry added once placed by its time among them (it happened outside the workflow, whenever it was told).
    /// </summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(string orderId, CancellationToken cancellationToken)
    {
        var pk = OrderRow.PartitionKey(orderId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {Prefix} and RowKey lt {"audit}"}");
        var entries = new List<AuditEntry>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            entries.Add(new AuditEntry(e.GetInt32("Sequence") ?? 0, e.GetDateTimeOffset("At") ?? default, e.GetString("Actor"), e.GetString("Action"), e.GetString("Detail")));
        }

        var numbered = entries.Where(e => e.Sequence < OnceSequenceStart).OrderBy(e => e.Sequence).ToList();
        var once = entries.Where(e => e.Sequence >= OnceSequenceStart).OrderBy(e => e.At).ThenBy(e => e.Sequence);
        foreach (var e in once)
        {
            var before = numbered.FindIndex(n => n.Sequence < OnceSequenceStart && n.At > e.At);
            numbered.Insert(before < 0 ? numbered.Count : before, e);
        }

        return numbered;
    }

    static string RowKey(int sequence) => Prefix + sequence.ToString("D6", CultureInfo.InvariantCulture);
}
