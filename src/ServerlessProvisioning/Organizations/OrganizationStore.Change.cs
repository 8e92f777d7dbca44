using Azure;
using Azure.Data.Tables;

namespace ServerlessProvisioning.Organizations;

// The one write path: every write of the store decides on the organization as read under its lock.
public sealed partial class OrganizationStore
{
    // One pass of a write: the organization as read (null: absent) and the version to write (null: delete).
    sealed record Attempt(string OrganizationId, Snapshot? Read, Organization? Next)
    {
        public StoredOrganization? Current => Read?.Stored;

        public Organization? Old => Read?.Stored.Organization;

        public IReadOnlyList<TableEntity> OldRows => Read?.Rows ?? [];

        public IReadOnlyList<TableEntity> NewRows { get; } = Next is null ? [] : OrganizationRows.RowsFor(Next);

        public bool IsUnchanged => Next is not null && Read is not null && OrganizationRows.SameRows(OldRows, NewRows);

        public List<(string Id, int Index)> AddedSubscriptions()
        {
            var old = Old?.Subscriptions.Select(s => s.Id).ToHashSet(StringComparer.Ordinal) ?? [];
            return Next?.Subscriptions.Select((s, i) => (s.Id, Index: i)).Where(s => !old.Contains(s.Id)).ToList() ?? [];
        }

        public List<string> RemovedSubscriptions() =>
            Old?.Subscriptions.Select(s => s.Id).Where(id => Next?.Subscriptions.Any(s => s.Id == id) != true).ToList() ?? [];
    }

    // `hint` is the index entries the caller expects the new version to have (noted in the lock row as it is taken, so a
    // creation needs no extra write for them). `absent`: the caller has just seen that the organization does not exist,
    // so it is not read again; the insert of its row fails if someone created it since.
    //
    // Under the lock, in this order: claim added subscriptions (a refusal leaves nothing behind); note the index keys
    // about to change in the lock row; bring those index entities to the new version; then one batch writes the
    // organization's rows and, unless subscriptions remain to be released, deletes the lock. A writer that dies before
    // the batch leaves its lock with the noted keys: whoever takes the lapsed lock over sets them back to what the
    // organization still is.
    async Task<OrganizationWriteResult> ChangeAsync(string organizationId, IReadOnlyList<IndexEntry> hint, Func<StoredOrganization?, Decision> decide, CancellationToken cancellationToken, bool absent = false)
    {
        var pk = OrganizationRows.PartitionKey(organizationId);
        await using var writeLock = await OrganizationWriteLock.AcquireAsync(table, pk, hint.Select(e => e.Key), time, cancellationToken);
        var touched = new HashSet<IndexKey>(writeLock.Inherited);
        for (var assumedAbsent = absent; ; assumedAbsent = false)
        {
            var read = assumedAbsent ? null : await ReadAsync(organizationId, cancellationToken);
            var decision = decide(read?.Stored);
            var attempt = new Attempt(organizationId, read, decision.Next);
            if (await SettleAsync(attempt, decision.Stop, touched, cancellationToken) is { } settled)
            {
                return settled;
            }

            if (await ClaimSubscriptionsAsync(attempt, cancellationToken) is { } errors)
            {
                await RepairAsync(touched, organizationId, attempt.Old, cancellationToken);
                return new(OrganizationWrite.Rejected, attempt.Current, errors);
            }

            await SetIndexesAsync(attempt, writeLock, touched, cancellationToken);
            var removed = attempt.RemovedSubscriptions();
            ETag? version;
            try
            {
                version = await writer.WriteAsync(attempt.OldRows, attempt.NewRows, attempt.Current?.ETag, removed.Count == 0 ? writeLock : null, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 409 && assumedAbsent)
            {
                // Created by another writer after the caller looked: decide again on what it wrote.
                continue;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Our lease lapsed and another writer took the lock over: nothing of this version was stored, and
                // that writer sets the index keys we noted back to what the organization is.
                throw new OrganizationBusyException(organizationId);
            }

            await ReleaseSubscriptionsAsync(removed, organizationId, cancellationToken);
            return await WrittenAsync(attempt, version, cancellationToken);
        }
    }

    // A decision to stop, or a version the organization already is, writes nothing, but repairs what a crashed writer (or
    // an attempt of ours) may have left in the indexes. Null when there is something to write.
    async Task<OrganizationWriteResult?> SettleAsync(Attempt attempt, OrganizationWriteResult? stop, HashSet<IndexKey> touched, CancellationToken cancellationToken)
    {
        var result = stop ?? (attempt.IsUnchanged ? new(OrganizationWrite.Unchanged, attempt.Current) : null);
        if (result is not null)
        {
            await RepairAsync(touched, attempt.OrganizationId, attempt.Old, cancellationToken);
        }

        return result;
    }

    // Claims the subscriptions the new version adds. When another organization holds one, gives back those it claimed
    // and answers why, by field; null when every claim succeeded.
    async Task<Dictionary<string, string[]>?> ClaimSubscriptionsAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        var organizationId = attempt.OrganizationId;
        var claimed = new List<string>();
        var errors = new Dictionary<string, string[]>();
        foreach (var (subscriptionId, index) in attempt.AddedSubscriptions())
        {
            if (await Indexes.ClaimSubscriptionAsync(subscriptionId, organizationId, time.GetUtcNow(), LockLease, owner => ListsSubscriptionAsync(owner, subscriptionId, cancellationToken), cancellationToken))
            {
                claimed.Add(subscriptionId);
            }
            else
            {
                errors[$"subscriptions[{index}].id"] = [$"'{subscriptionId}' belongs to another organization ({await Indexes.GetSubscriptionOwnerAsync(subscriptionId, cancellationToken)})."];
            }
        }

        if (errors.Count == 0)
        {
            return null;
        }

        await ReleaseSubscriptionsAsync(claimed, organizationId, cancellationToken);
        return errors;
    }

    // The index keys whose entity the new version changes (and those a crashed writer or an earlier attempt touched) are
    // noted in the lock row first, then set by read-modify-write.
    async Task SetIndexesAsync(Attempt attempt, OrganizationWriteLock writeLock, HashSet<IndexKey> touched, CancellationToken cancellationToken)
    {
        var oldEntries = (attempt.Old is null ? [] : OrganizationIndexes.EntriesFor(attempt.Old)).ToDictionary(e => e.Key);
        var newEntries = attempt.Next is null ? [] : OrganizationIndexes.EntriesFor(attempt.Next);
        var changed = newEntries.Where(e => oldEntries.GetValueOrDefault(e.Key) != e).Select(e => e.Key)
            .Concat(oldEntries.Keys.Except(newEntries.Select(e => e.Key)))
            .Concat(touched)
            .ToHashSet();
        await writeLock.NoteAsync(changed, cancellationToken);
        await Indexes.SetAsync(attempt.OrganizationId, changed, newEntries, likelyNew: attempt.Old is null, cancellationToken);
        touched.UnionWith(changed);
    }

    // What was written is what is stored: nobody else writes the organization while we hold its lock.
    async Task<OrganizationWriteResult> WrittenAsync(Attempt attempt, ETag? version, CancellationToken cancellationToken)
    {
        if (attempt.Next is null)
        {
            return new(OrganizationWrite.Deleted);
        }

        var stored = new StoredOrganization(OrganizationRows.Assemble(attempt.NewRows)!, version ?? (await FindAsync(attempt.OrganizationId, cancellationToken))!.ETag);
        return new(attempt.Old is null ? OrganizationWrite.Created : OrganizationWrite.Replaced, stored);
    }

    // Under the lock with nothing to change: index keys a crashed writer noted (or an earlier attempt of this write
    // set) are set from what the organization is now.
    async Task RepairAsync(HashSet<IndexKey> keys, string organizationId, Organization? current, CancellationToken cancellationToken)
    {
        if (keys.Count > 0)
        {
            await Indexes.SetAsync(organizationId, keys, current is null ? [] : OrganizationIndexes.EntriesFor(current), likelyNew: false, cancellationToken);
        }
    }

    async Task ReleaseSubscriptionsAsync(IEnumerable<string> subscriptionIds, string organizationId, CancellationToken cancellationToken)
    {
        foreach (var subscriptionId in subscriptionIds)
        {
            await Indexes.ReleaseSubscriptionAsync(subscriptionId, organizationId, cancellationToken);
        }
    }

    async Task<bool> ListsSubscriptionAsync(string organizationId, string subscriptionId, CancellationToken cancellationToken) =>
        (await GetAsync(organizationId, cancellationToken))?.Subscriptions.Any(s => s.Id == subscriptionId) == true;
}
