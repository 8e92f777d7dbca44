using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// An organization's write lock: a row of its partition (RowKey <c>lock|</c> + partition key, so it never
/// shares a RowKey with another organization's), inserted to take it and deleted to give it back, leased for
/// <see cref="OrganizationStore.LockLease"/> so a dead writer's lock lapses. It also notes the index keys its holder
/// may be changing; whoever takes a lapsed lock over inherits them and sets them right.
/// </summary>
internal sealed class OrganizationWriteLock : IAsyncDisposable
{
    const string PendingProperty = "Pending";

    readonly TableClient table;
    readonly string partitionKey;
    readonly TimeProvider time;
    HashSet<IndexKey> noted;
    ETag etag;
    bool released;

    OrganizationWriteLock(TableClient table, string partitionKey, TimeProvider time, HashSet<IndexKey> noted)
    {
        this.table = table;
        this.partitionKey = partitionKey;
        this.time = time;
        this.noted = noted;
    }

    /// <summary>The index keys a writer whose lease lapsed had noted: they may be half changed.</summary>
    public IReadOnlyCollection<IndexKey> Inherited { get; private set; } = [];

    string RowKey => OrganizationRows.LockRowKey(partitionKey);

    /// <summary>
    /// Takes the lock, noting <paramref name="hint"/> in it as it is taken; waits (with back-off) while another writer
    /// holds it, and gives up with <see cref="OrganizationBusyException"/> after <see cref="OrganizationStore.LockWait"/>.
    /// </summary>
    public static async Task<OrganizationWriteLock> AcquireAsync(TableClient table, string partitionKey, IEnumerable<IndexKey> hint, TimeProvider time, CancellationToken cancellationToken)
    {
        var writeLock = new OrganizationWriteLock(table, partitionKey, time, hint.ToHashSet());
        var deadline = time.GetUtcNow() + OrganizationStore.LockWait;
        for (var attempt = 1; !await writeLock.TryTakeAsync(cancellationToken); attempt++)
        {
            if (time.GetUtcNow() > deadline)
            {
                throw new OrganizationBusyException(partitionKey);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, 5 * attempt) + Random.Shared.Next(0, 10)), time, cancellationToken);
        }

        return writeLock;
    }

    /// <summary>Notes index keys before changing them: one write, only when some were not noted yet.</summary>
    public async Task NoteAsync(IReadOnlyCollection<IndexKey> keys, CancellationToken cancellationToken)
    {
        if (keys.All(noted.Contains))
        {
            return;
        }

        noted.UnionWith(keys);
        var response = await table.UpdateEntityAsync(Row(noted, time.GetUtcNow()), etag, TableUpdateMode.Replace, cancellationToken);
        etag = response.Headers.ETag ?? ETag.All;
    }

    /// <summary>Deletes the lock in the caller's batch (the lock row is in the organization's partition).</summary>
    public TableTransactionAction ReleaseAction() => new(TableTransactionActionType.Delete, new TableEntity(partitionKey, RowKey), etag);

    /// <summary>The caller's batch deleted the lock.</summary>
    public void Released() => released = true;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (released)
        {
            return;
        }

        try
        {
            await table.DeleteEntityAsync(partitionKey, RowKey, etag);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Taken over after our lease lapsed: the new holder owns it now.
        }
    }

    // Inserts the lock row, or takes over one whose lease has lapsed. False while another writer holds it.
    async Task<bool> TryTakeAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        try
        {
            var response = await table.AddEntityAsync(Row(noted, now), cancellationToken);
            etag = response.Headers.ETag ?? ETag.All;
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await TryTakeOverAsync(now, cancellationToken);
        }
    }

    // A lapsed lock is replaced under its ETag, so one writer wins; the winner inherits the keys its holder noted.
    async Task<bool> TryTakeOverAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var held = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, RowKey, cancellationToken: cancellationToken);
        if (!held.HasValue || held.Value!.GetDateTimeOffset("ExpiresAt") is not { } expires || expires >= now)
        {
            return false;
        }

        var inherited = Json.Deserialize<List<IndexKey>>(ChunkedJson.Read(held.Value, PendingProperty) ?? "[]") ?? [];
        var all = noted.Union(inherited).ToHashSet();
        try
        {
            var response = await table.UpdateEntityAsync(Row(all, now), held.Value.ETag, TableUpdateMode.Replace, cancellationToken);
            (noted, etag, Inherited) = (all, response.Headers.ETag ?? ETag.All, inherited);
            return true;
        }
        catch (RequestFailedException taken) when (taken.Status is 404 or 412)
        {
            // Another writer took it over (or its holder finished) first.
            return false;
        }
    }

    TableEntity Row(IEnumerable<IndexKey> pending, DateTimeOffset now)
    {
        var row = new TableEntity(partitionKey, RowKey) { ["ExpiresAt"] = now + OrganizationStore.LockLease };
        ChunkedJson.Write(row, PendingProperty, Json.Serialize(pending));
        return row;
    }
}
