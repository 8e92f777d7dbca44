using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.DevTools;

/// <summary>What a bulk load wrote.</summary>
public sealed record BulkLoadResult(int Organizations, int OrganizationEntities, int UserIndexEntities, int DomainIndexEntities, int SubscriptionIndexEntities, int Requests, int NameIndexEntities = 0);

/// <summary>
/// Loads many organizations into EMPTY tables with batch transactions, for benchmarks and large first
/// imports. Every entity is built by <see cref="OrganizationRows"/> and <see cref="OrganizationIndexes.EntriesFor(Organization)"/>,
/// so the layout keeps one home; what this class adds is the write plan: each organization's partition in
/// batches of up to 100, then each index entity once, holding every organization that shares its key, in
/// batches per index partition, many batches in flight.
/// </summary>
/// <remarks>
/// Precondition: the five tables exist and hold none of the organizations, users or index keys being loaded.
/// Entities are inserted, not merged: an index entity that already exists would have to be read and merged
/// (what <see cref="OrganizationStore.PutAsync"/> does, one organization at a time under its write lock), so here it fails the load with a 409 instead of
/// silently losing the organizations it listed. Nothing may write the tables while the load runs.
/// </remarks>
public sealed class OrganizationBulkLoader(TableServiceClient service, TableNames names, int maxConcurrentBatches = 16)
{
    /// <summary>The most operations one batch transaction may hold.</summary>
    public const int MaxBatch = 100;

    readonly TableClient organizations = service.GetTableClient(names.Organizations);
    readonly TableClient users = service.GetTableClient(names.UserIndex);
    readonly TableClient domains = service.GetTableClient(names.DomainIndex);
    readonly TableClient nameIndex = service.GetTableClient(names.NameIndex);
    readonly TableClient subscriptions = service.GetTableClient(names.SubscriptionIndex);

    /// <summary>Writes the organizations and their index entities; see the class remarks for the precondition.</summary>
    public Task<BulkLoadResult> LoadAsync(IReadOnlyList<Organization> source, CancellationToken cancellationToken) =>
        LoadAsync(source, null, cancellationToken);

    /// <summary>Same, reporting the number of entities written so far after each batch (a large load takes minutes).</summary>
    public async Task<BulkLoadResult> LoadAsync(IReadOnlyList<Organization> source, IProgress<int>? entitiesWritten, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        Validate(source);

        var organizationBatches = source.SelectMany(OrganizationBatches);
        var (userEntities, domainEntities) = IndexEntities(source);
        var nameEntities = NameIndexEntities(source);
        var subscriptionEntities = source.SelectMany(o => o.Subscriptions.Select(s => OrganizationIndexes.CreateSubscriptionEntity(s.Id, o.Id, o.CreatedAt))).ToList();
        var indexBatches = Batches(users, userEntities).Concat(Batches(domains, domainEntities)).Concat(Batches(nameIndex, nameEntities)).Concat(Batches(subscriptions, subscriptionEntities));

        var organizationEntities = 0;
        var written = 0;
        var requests = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxConcurrentBatches, CancellationToken = cancellationToken };

        // Organizations first, so that no index entry ever names an organization that is not there yet.
        await Parallel.ForEachAsync(organizationBatches, options, async (batch, ct) =>
        {
            await SubmitAsync(batch.Table, batch.Entities, ct);
            Interlocked.Add(ref organizationEntities, batch.Entities.Count);
            Interlocked.Increment(ref requests);
            entitiesWritten?.Report(Interlocked.Add(ref written, batch.Entities.Count));
        });
        await Parallel.ForEachAsync(indexBatches, options, async (batch, ct) =>
        {
            await SubmitAsync(batch.Table, batch.Entities, ct);
            Interlocked.Increment(ref requests);
            entitiesWritten?.Report(Interlocked.Add(ref written, batch.Entities.Count));
        });

        return new BulkLoadResult(source.Count, organizationEntities, userEntities.Count, domainEntities.Count, subscriptionEntities.Count, requests, nameEntities.Count);
    }

    /// <summary>The index entities the organizations need, each listing every organization that shares its key.</summary>
    public static (IReadOnlyList<TableEntity> UserIndex, IReadOnlyList<TableEntity> DomainIndex) IndexEntities(IEnumerable<Organization> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var entries = source.SelectMany(OrganizationIndexes.EntriesFor).ToList();
        return (Entities(entries.OfType<UserIndexEntry>(), e => e.Membership), Entities(entries.OfType<DomainIndexEntry>(), e => e.Organization));
    }

    /// <summary>The name index entities the organizations need (one each).</summary>
    public static IReadOnlyList<TableEntity> NameIndexEntities(IEnumerable<Organization> source) =>
        Entities(source.SelectMany(OrganizationIndexes.EntriesFor).OfType<NameIndexEntry>(), e => e.Organization);

    static List<TableEntity> Entities<TEntry, TItem>(IEnumerable<TEntry> entries, Func<TEntry, TItem> item)
        where TEntry : IndexEntry =>
        entries.GroupBy(e => e.Key).Select(g => OrganizationIndexes.CreateEntity(g.Key.PartitionKey, g.Key.RowKey, g.Select(item).ToList())).ToList();

    IEnumerable<(TableClient Table, IReadOnlyList<TableEntity> Entities)> OrganizationBatches(Organization organization)
    {
        return OrganizationRows.RowsFor(organization).Chunk(MaxBatch).Select(chunk => (organizations, (IReadOnlyList<TableEntity>)chunk));
    }

    // Batch transactions hold one partition each; index entities sharing a partition (a domain) go together.
    static IEnumerable<(TableClient Table, IReadOnlyList<TableEntity> Entities)> Batches(TableClient table, IEnumerable<TableEntity> entities) =>
        entities.GroupBy(e => e.PartitionKey, StringComparer.Ordinal)
            .SelectMany(partition => partition.Chunk(MaxBatch))
            .Select(chunk => (table, (IReadOnlyList<TableEntity>)chunk));

    static async Task SubmitAsync(TableClient table, IReadOnlyList<TableEntity> entities, CancellationToken cancellationToken)
    {
        // A single entity needs no transaction envelope (most user index partitions hold one entity).
        if (entities.Count == 1)
        {
            await table.AddEntityAsync(entities[0], cancellationToken);
            return;
        }

        await table.SubmitTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken);
    }

    static void Validate(IReadOnlyList<Organization> source)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var subscriptionIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var organization in source)
        {
            if (organization.Subscriptions.FirstOrDefault(s => !subscriptionIds.Add(s.Id)) is { } shared)
            {
                throw new ArgumentException($"Subscription '{shared.Id}' is listed by more than one organization.", nameof(source));
            }

            if (!ids.Add(OrganizationRows.PartitionKey(organization.Id)))
            {
                throw new ArgumentException($"Organization '{organization.Id}' appears more than once.", nameof(source));
            }

            var emails = new HashSet<string>(StringComparer.Ordinal);
            var own = new HashSet<string>(StringComparer.Ordinal);
            if (organization.Users.Any(u => !emails.Add(EmailAddress.Normalize(u.Email))) || organization.Subscriptions.Any(s => !own.Add(s.Id)))
            {
                throw new ArgumentException($"Organization '{organization.Id}' lists a user or a subscription twice.", nameof(source));
            }
        }
    }
}
