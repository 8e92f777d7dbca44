using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>The keys of one entry of the orders index.</summary>
public readonly record struct OrderIndexKey(string PartitionKey, string RowKey);

/// <summary>
/// The OrderIndex table. Lists read whole summaries: the entries of <c>all</c>, of a stage and of <c>org|…</c> each
/// carry the order's summary, so those lists are one single-partition query that never reads the Orders table. The
/// searches' entries (contact, subscription, company, deadline) are keys that point at the order's <c>all</c> entry
/// (<c>OrderKey</c>): written once when their key appears and deleted when it goes, never rewritten, so a progress record
/// writes only the summaries that changed; a search page is one query and one point read per order listed.
/// Partitions, each with its RowKey:
/// <list type="bullet">
/// <item><c>all</c>, a stage name, <c>org|&lt;organization id&gt;</c> (every organization the order named: assigned or
/// chosen), <c>contact|&lt;address identity&gt;</c> (the current contact), <c>sub|&lt;subscription id&gt;</c>: newest
/// first, the reversed creation time and the order id.</item>
/// <item><c>company|&lt;first character&gt;</c>: the typed company name folded as matching folds it (cut to
/// <see cref="CompanyKeyLength"/> characters), then the newest-first key, so a name prefix is a RowKey range.</item>
/// <item><c>expires</c>, open orders only: the current deadline in UTC ticks, then the order id, soonest first.</item>
/// </list>
/// The order row remembers the keys of its entries (<c>IndexedKeys</c>), so a move — a new stage, contact or deadline —
/// is one upsert and one delete, and a purge deletes exactly what exists.
/// </summary>
internal sealed class OrderIndex(TableClient index, TableClient orders)
{
    /// <summary>How many characters (Unicode scalars) of the folded company name its key keeps.</summary>
    public const int CompanyKeyLength = 100;

    const string AllOrders = "all";
    const string OrganizationPrefix = "org|";
    const string ContactPrefix = "contact|";
    const string SubscriptionPrefix = "sub|";
    const string CompanyPrefix = "company|";
    const string Deadlines = "expires";
    const string IndexedKeysProperty = "IndexedKeys";
    const string IndexedSequenceProperty = "IndexedSequence";
    const string OrderKeyProperty = "OrderKey";

    /// <summary>
    /// The entries an order has: newest first, its stage, each organization it named (those of <paramref name="organizations"/>
    /// and its own), its contact, its subscription, its typed company name, and its deadline while it is open.
    /// </summary>
    public static IReadOnlyList<OrderIndexKey> EntriesFor(OrderRecord order, IEnumerable<string> organizations)
    {
        ArgumentNullException.ThrowIfNull(order);
        var rowKey = RowKey(order.CreatedAt, order.OrderId);
        var keys = new List<OrderIndexKey> { new(AllOrders, rowKey), new(order.Stage.ToString(), rowKey) };
        keys.AddRange(organizations.Union(new[] { order.OrganizationId, order.ChosenOrganizationId }.OfType<string>(), StringComparer.Ordinal)
            .Select(o => new OrderIndexKey(OrganizationPartition(o), rowKey)));
        if (order.ContactEmail is { Length: > 0 } contact)
        {
            keys.Add(new(ContactPartition(contact), rowKey));
        }

        if (order.SubscriptionId is { Length: > 0 } subscription)
        {
            keys.Add(new(SubscriptionPartition(subscription), rowKey));
        }

        if (CompanyKey(order.CompanyName) is { Length: > 0 } company)
        {
            keys.Add(new(CompanyPartition(company), TableKey.Encode(company) + "|" + rowKey));
        }

        if (!order.Stage.IsFinal() && order.ExpiresAt is { } expiresAt)
        {
            keys.Add(new(Deadlines, DeadlineKey(expiresAt) + "|" + TableKey.Encode(order.OrderId)));
        }

        return keys.Distinct().ToList();
    }

    /// <summary>Notes in an order row which entries it has.</summary>
    public static void NoteIndexed(TableEntity row, IReadOnlyList<OrderIndexKey> keys)
    {
        ArgumentNullException.ThrowIfNull(row);
        row[IndexedKeysProperty] = JsonSerializer.Serialize(keys.Select(k => new[] { k.PartitionKey, k.RowKey }));
    }

    /// <summary>
    /// Notes in an order row that its entries are exactly what the row at progress <paramref name="sequence"/> says
    /// (<see cref="IsSettled"/>): the next record then writes only what it changes.
    /// </summary>
    public static void NoteSettled(TableEntity row, int sequence)
    {
        ArgumentNullException.ThrowIfNull(row);
        row[IndexedSequenceProperty] = sequence;
    }

    /// <summary>
    /// Whether the order's entries are exactly what its row says: each entry it names exists, and each summary is the
    /// row's (but for <c>UpdatedAt</c>). A record interrupted between writing the row and settling its entries leaves
    /// this false, so the next record writes every entry again.
    /// </summary>
    public static bool IsSettled(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.GetInt32(IndexedSequenceProperty) is { } indexed && indexed == (row.GetInt32("ProgressSequence") ?? 0);
    }

    /// <summary>
    /// The entries a record must write when the index was settled on <paramref name="before"/>: a key the row did not
    /// name, and each summary entry when the summary changed (its <c>UpdatedAt</c> alone does not count: a list's
    /// <c>updatedAt</c> is when the order's summary last changed). A pointer that exists never changes.
    /// </summary>
    public static IReadOnlyList<OrderIndexKey> Changed(TableEntity before, OrderRecord after, IReadOnlyList<OrderIndexKey> wanted)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var had = IndexedKeys(before).ToHashSet();
        var summaryChanged = SummaryFacts.Of(OrderRow.FromEntity(before)) != SummaryFacts.Of(after);
        return wanted.Where(k => !had.Contains(k) || (summaryChanged && !IsPointer(k))).ToList();
    }

    /// <summary>
    /// The entries an order whose row reads <paramref name="row"/> should have (they all carry the summary), and those
    /// the row names that it should not have any more. <paramref name="row"/> may be the row as a record is about to make
    /// it; the organizations it named stay named.
    /// </summary>
    public static (IReadOnlyList<OrderIndexKey> Wanted, IReadOnlyList<OrderIndexKey> Gone) Plan(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var indexed = IndexedKeys(row);
        var organizations = indexed.Where(k => k.PartitionKey.StartsWith(OrganizationPrefix, StringComparison.Ordinal)).Select(k => DecodeOrganization(k.PartitionKey));
        var wanted = EntriesFor(OrderRow.FromEntity(row), organizations);
        return (wanted, indexed.Except(wanted).ToList());
    }

    /// <summary>Whether the row already names exactly <paramref name="wanted"/>.</summary>
    public static bool Names(TableEntity row, IReadOnlyList<OrderIndexKey> wanted)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.GetString(IndexedKeysProperty) is not null && IndexedKeys(row).ToHashSet().SetEquals(wanted);
    }

    /// <summary>
    /// Writes the order's entries (upserts of <paramref name="wanted"/>, each with the summary of <paramref name="order"/>)
    /// and deletes <paramref name="gone"/> (an entry already gone is fine). Idempotent.
    /// </summary>
    public async Task WriteAsync(OrderRecord order, IEnumerable<OrderIndexKey> wanted, IEnumerable<OrderIndexKey> gone, CancellationToken cancellationToken)
    {
        foreach (var key in wanted)
        {
            await index.UpsertEntityAsync(Entry(order, key), TableUpdateMode.Replace, cancellationToken);
        }

        foreach (var key in gone)
        {
            await DeleteAsync(key, cancellationToken);
        }
    }

    /// <summary>
    /// Brings the order's entries to what its row says: upserts each entry it should have (they all carry the
    /// summary, which changed), deletes those it had and should not (and <paramref name="alsoGone"/>: entries a record
    /// that lost the row to a newer one wrote), then notes in the row where it is indexed.
    /// </summary>
    public async Task IndexAsync(TableEntity row, CancellationToken cancellationToken, IEnumerable<OrderIndexKey>? alsoGone = null)
    {
        var order = OrderRow.FromEntity(row);
        var (wanted, gone) = Plan(row);
        await WriteAsync(order, wanted, gone.Union(alsoGone ?? []).Except(wanted), cancellationToken);
        if (!Names(row, wanted) || !IsSettled(row))
        {
            // Only over the version read: a record that moved the row meanwhile settles its own entries.
            var marks = new TableEntity(OrderRow.PartitionKey(order.OrderId), OrderRow.RowKey);
            NoteIndexed(marks, wanted);
            NoteSettled(marks, row.GetInt32("ProgressSequence") ?? 0);
            try
            {
                await orders.UpdateEntityAsync(marks, row.ETag, TableUpdateMode.Merge, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // Moved or purged since: whoever moved it settles it (or leaves it for the next record to write whole).
            }
        }
    }

    async Task DeleteAsync(OrderIndexKey key, CancellationToken cancellationToken)
    {
        try
        {
            await index.DeleteEntityAsync(key.PartitionKey, key.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Deleted by an earlier run of the same record.
        }
    }

    /// <summary>Deletes every entry of the order its row says it has (retention purge).</summary>
    public async Task RemoveAsync(TableEntity row, CancellationToken cancellationToken)
    {
        foreach (var key in IndexedKeys(row))
        {
            await index.DeleteEntityAsync(key.PartitionKey, key.RowKey, ETag.All, cancellationToken);
        }
    }

    /// <summary>One page of orders, newest first, optionally of one stage (a single-partition query).</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListAsync(ProvisioningStage? stage, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        QueryAsync(Partition(stage?.ToString() ?? AllOrders), continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the orders that named an organization, newest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListByOrganizationAsync(string organizationId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        QueryAsync(Partition(OrganizationPartition(organizationId)), continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the orders whose current contact is the same person as <paramref name="email"/>, newest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListByContactAsync(string email, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        QueryPointersAsync(Partition(ContactPartition(email)), continuationToken, pageSize, cancellationToken);

    /// <summary>One page of the orders of a subscription, newest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListBySubscriptionAsync(string subscriptionId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        QueryPointersAsync(Partition(SubscriptionPartition(subscriptionId)), continuationToken, pageSize, cancellationToken);

    /// <summary>
    /// One page of the orders whose typed company name, folded, starts with <paramref name="text"/> folded: a RowKey
    /// range of one partition, in name order (then newest first). Nothing for a text without a letter or digit.
    /// </summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListByCompanyPrefixAsync(string text, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        if (CompanyKey(text) is not { Length: > 0 } prefix)
        {
            return Task.FromResult<(IReadOnlyList<OrderSummary>, string?)>(([], null));
        }

        // Folded names hold letters, digits and spaces, which TableKey leaves as they are, so the keys starting with the
        // prefix are exactly those in [prefix, prefix with its last character + 1).
        var from = TableKey.Encode(prefix);
        var to = from[..^1] + (char)(from[^1] + 1);
        var partition = CompanyPartition(prefix);
        return QueryPointersAsync(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {to}"), continuationToken, pageSize, cancellationToken);
    }

    /// <summary>One page of the open orders whose current deadline is before <paramref name="before"/>, soonest first.</summary>
    public Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> ListExpiringBeforeAsync(DateTimeOffset before, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        var to = DeadlineKey(before);
        return QueryPointersAsync(TableClient.CreateQueryFilter($"PartitionKey eq {Deadlines} and RowKey lt {to}"), continuationToken, pageSize, cancellationToken, openOnly: true);
    }

    /// <summary>
    /// The orders awaiting an approval: those that named the organization (one partition; an order that named it
    /// before may be waiting on another), or, without one, every order of that stage: the order ids, and the organization
    /// each waits on as its entry says (none on an entry written before entries carried it).
    /// </summary>
    public async Task<IReadOnlyList<(string OrderId, string? ChosenOrganizationId)>> AwaitingApprovalAsync(string? organizationId, CancellationToken cancellationToken)
    {
        var stage = ProvisioningStage.AwaitingAdminApproval.ToString();
        var filter = organizationId is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {stage}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {OrganizationPartition(organizationId)} and Stage eq {stage}");
        var waiting = new List<(string, string?)>();
        await foreach (var entry in index.QueryAsync<TableEntity>(filter, select: ["OrderId", "ChosenOrganizationId"], cancellationToken: cancellationToken))
        {
            waiting.Add((entry.GetString("OrderId"), entry.GetString("ChosenOrganizationId") is { Length: > 0 } chosen ? chosen : null));
        }

        return waiting;
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

    /// <summary>The typed company name as its key folds it: <see cref="CompanyName.Normalize"/>, cut to <see cref="CompanyKeyLength"/> characters.</summary>
    public static string CompanyKey(string? companyName)
    {
        var folded = CompanyName.Normalize(companyName);
        var cut = new StringBuilder();
        var count = 0;
        foreach (var rune in folded.EnumerateRunes())
        {
            if (count++ == CompanyKeyLength)
            {
                break;
            }

            cut.Append(rune.ToString());
        }

        return cut.ToString().TrimEnd();
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

    async Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> QueryAsync(string filter, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        await foreach (var page in index.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken).AsPages(continuationToken, pageSize))
        {
            return (page.Values.Select(Summary).ToList(), page.ContinuationToken);
        }

        return ([], null);
    }

    // One page of a search's pointers, then each order's summary (point reads of `all`, at once), in the pointers' order.
    // A pointer whose order is gone (purged meanwhile) is skipped; so is a deadline's pointer to an order that has
    // finished meanwhile (its pointer is about to go). An entry written before pointers carries its summary itself.
    async Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)> QueryPointersAsync(string filter, string? continuationToken, int pageSize, CancellationToken cancellationToken, bool openOnly = false)
    {
        await foreach (var page in index.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken).AsPages(continuationToken, pageSize))
        {
            var summaries = await Task.WhenAll(page.Values.Select(async entry =>
            {
                if (entry.GetString(OrderKeyProperty) is not { Length: > 0 } orderKey)
                {
                    return entry.GetString("Stage") is { Length: > 0 } ? Summary(entry) : null;
                }

                var summary = await index.GetEntityIfExistsAsync<TableEntity>(AllOrders, orderKey, cancellationToken: cancellationToken);
                return summary.HasValue ? Summary(summary.Value!) : null;
            }));
            return (summaries.OfType<OrderSummary>().Where(s => !openOnly || !s.Stage.IsFinal()).ToList(), page.ContinuationToken);
        }

        return ([], null);
    }

    static OrderSummary Summary(TableEntity e)
    {
        var stage = Enum.Parse<ProvisioningStage>(e.GetString("Stage"));
        return new(
            e.GetString("OrderId"),
            stage,
            Text(e, "Outcome") is { } o ? Enum.Parse<ProvisioningOutcome>(o) : null,
            e.GetDateTimeOffset("CreatedAt") ?? default,
            e.GetDateTimeOffset("UpdatedAt") ?? default,
            Text(e, "SubscriptionId"),
            Text(e, "ContactEmail"),
            Text(e, "CompanyName"),
            Text(e, "OrganizationId"),
            stage.IsFinal() ? null : e.GetDateTimeOffset("ExpiresAt"),
            Text(e, "ChosenOrganizationId"));
    }

    /// <summary>What a summary entry shows but for its <c>UpdatedAt</c>: when this changes, the summaries are written again.</summary>
    readonly record struct SummaryFacts(
        ProvisioningStage Stage, ProvisioningOutcome? Outcome, DateTimeOffset CreatedAt, string SubscriptionId, string ContactEmail, string CompanyName, string OrganizationId, string ChosenOrganizationId, DateTimeOffset? ExpiresAt)
    {
        public static SummaryFacts Of(OrderRecord o) => new(
            o.Stage, o.Outcome, o.CreatedAt, o.SubscriptionId ?? "", o.ContactEmail ?? "", o.CompanyName ?? "", o.OrganizationId ?? "", o.ChosenOrganizationId ?? "",
            o.Stage.IsFinal() ? null : Millisecond(o.ExpiresAt));

        // A time as a table keeps it, whatever precision it was written with.
        static DateTimeOffset? Millisecond(DateTimeOffset? at) => at is { } t ? new DateTimeOffset(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero) : null;
    }

    static bool IsPointer(OrderIndexKey key) =>
        key.PartitionKey == Deadlines
        || key.PartitionKey.StartsWith(ContactPrefix, StringComparison.Ordinal)
        || key.PartitionKey.StartsWith(SubscriptionPrefix, StringComparison.Ordinal)
        || key.PartitionKey.StartsWith(CompanyPrefix, StringComparison.Ordinal);

    static string? Text(TableEntity e, string name) => e.GetString(name) is { Length: > 0 } value ? value : null;

    // A search's entry points at the order's summary in `all`; the others carry it.
    static TableEntity Entry(OrderRecord order, OrderIndexKey key) => IsPointer(key)
        ? new(key.PartitionKey, key.RowKey) { ["OrderId"] = order.OrderId, [OrderKeyProperty] = RowKey(order.CreatedAt, order.OrderId) }
        : new(key.PartitionKey, key.RowKey)
    {
        ["OrderId"] = order.OrderId,
        ["Stage"] = order.Stage.ToString(),
        ["Outcome"] = order.Outcome?.ToString() ?? string.Empty,
        ["CreatedAt"] = order.CreatedAt,
        ["UpdatedAt"] = order.UpdatedAt,
        ["SubscriptionId"] = order.SubscriptionId ?? string.Empty,
        ["ContactEmail"] = order.ContactEmail ?? string.Empty,
        ["CompanyName"] = order.CompanyName ?? string.Empty,
        ["OrganizationId"] = order.OrganizationId ?? string.Empty,
        ["ChosenOrganizationId"] = order.ChosenOrganizationId ?? string.Empty,
        ["ExpiresAt"] = order.Stage.IsFinal() ? null : order.ExpiresAt,
    };

    // The entries the row names; a row indexed before IndexedKeys existed names its stage and organizations instead.
    static List<OrderIndexKey> IndexedKeys(TableEntity row)
    {
        if (row.GetString(IndexedKeysProperty) is { Length: > 0 } json)
        {
            return (JsonSerializer.Deserialize<List<string[]>>(json) ?? []).Where(k => k.Length == 2).Select(k => new OrderIndexKey(k[0], k[1])).ToList();
        }

        var order = OrderRow.FromEntity(row);
        var rowKey = RowKey(order.CreatedAt, order.OrderId);
        var legacy = new List<OrderIndexKey>();
        if (row.GetString("IndexedStage") is { Length: > 0 } stage)
        {
            legacy.Add(new(AllOrders, rowKey));
            legacy.Add(new(stage, rowKey));
        }

        if (row.GetString("IndexedOrganizations") is { Length: > 0 } organizations)
        {
            legacy.AddRange((JsonSerializer.Deserialize<List<string>>(organizations) ?? []).Select(o => new OrderIndexKey(OrganizationPartition(o), rowKey)));
        }

        return legacy;
    }

    static string Partition(string partition) => TableClient.CreateQueryFilter($"PartitionKey eq {partition}");

    static string OrganizationPartition(string organizationId) => OrganizationPrefix + TableKey.Encode(organizationId);

    // Organization ids are letters, digits and ". _ - :", which TableKey leaves as they are.
    static string DecodeOrganization(string partition) => partition[OrganizationPrefix.Length..];

    static string ContactPartition(string email) => ContactPrefix + TableKey.Encode(EmailAddress.Normalize(email));

    static string SubscriptionPartition(string subscriptionId) => SubscriptionPrefix + TableKey.Encode(subscriptionId);

    // One partition per first character of the folded name: a prefix (at least one character) stays in one partition.
    static string CompanyPartition(string companyKey) => CompanyPrefix + TableKey.Encode(char.IsHighSurrogate(companyKey[0]) && companyKey.Length > 1 ? companyKey[..2] : companyKey[..1]);

    static string DeadlineKey(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    static string RowKey(DateTimeOffset createdAt, string orderId) =>
        (DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + TableKey.Encode(orderId);
}
