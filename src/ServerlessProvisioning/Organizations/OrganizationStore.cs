using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>Raised when an operation names an organization that does not exist.</summary>
public sealed class OrganizationNotFoundException(string organizationId)
    : Exception($"Organization '{organizationId}' does not exist.")
{
    /// <summary>The missing organization.</summary>
    public string OrganizationId { get; } = organizationId;
}

/// <summary>Raised when a subscription is to be given to an organization while another one holds it.</summary>
public sealed class SubscriptionHeldElsewhereException(string subscriptionId, string organizationId)
    : Exception($"Subscription '{subscriptionId}' belongs to another organization than '{organizationId}'.")
{
    /// <summary>The subscription.</summary>
    public string SubscriptionId { get; } = subscriptionId;
}

/// <summary>Raised when another write to the same organization held it for longer than a writer waits.</summary>
public sealed class OrganizationBusyException(string organizationId)
    : Exception($"Organization '{organizationId}' is being changed by another request; try again.");

/// <summary>An organization as stored, with the ETag of its current version.</summary>
public sealed record StoredOrganization(Organization Organization, ETag ETag);

/// <summary>What a directory write did.</summary>
public enum OrganizationWrite
{
    /// <summary>The organization did not exist and now does.</summary>
    Created,

    /// <summary>An existing organization was replaced.</summary>
    Replaced,

    /// <summary>It already was exactly that: nothing was written.</summary>
    Unchanged,

    /// <summary>It was deleted.</summary>
    Deleted,

    /// <summary>It does not exist (delete, or a conditional write to a missing organization).</summary>
    NotFound,

    /// <summary>If-Match did not match its current version.</summary>
    PreconditionFailed,

    /// <summary>Refused for what it says (a subscription another organization holds); <see cref="OrganizationWriteResult.Errors"/> says why.</summary>
    Rejected,
}

/// <summary>The result of a directory write: the outcome, the organization as stored afterwards, the errors of a rejection.</summary>
public sealed record OrganizationWriteResult(OrganizationWrite Outcome, StoredOrganization? Stored = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>
/// Organizations in Table Storage: the directory API, imports and the workflow all write through here. Every write
/// takes the organization's write lock (a row of its partition, leased), reads the organization (one point read:
/// see <see cref="OrganizationRows"/>), claims its new subscriptions in the subscription index, brings the user and
/// domain indexes to exactly what the new version implies (<see cref="OrganizationIndexes.EntriesFor(Organization)"/>),
/// removing what the old one had and the new one has not, and then writes its row (whose ETag is the organization's
/// version) and pages and deletes the lock in one batch. The index keys about to change are noted in the lock row
/// first, so a writer that takes over a lapsed lock sets back whatever a crashed writer left half done.
/// Every write is idempotent: writing the same organization twice writes nothing the second time.
/// </summary>
public sealed class OrganizationStore(TableServiceClient service, TableNames names, TimeProvider time)
{
    const int MaxBatch = 100;

    /// <summary>How long a write lock holds before another writer may take it over (a writer died).</summary>
    public static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);

    /// <summary>How long a writer waits for the lock before giving up with <see cref="OrganizationBusyException"/>.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(20);

    readonly TableClient table = service.GetTableClient(names.Organizations);

    /// <summary>Creates a store on the system clock.</summary>
    public OrganizationStore(TableServiceClient service, TableNames names)
        : this(service, names, TimeProvider.System)
    {
    }

    /// <summary>The indexes this store maintains.</summary>
    public OrganizationIndexes Indexes { get; } = new(service, names);

    /// <summary>The summary of one organization (one point read), or null.</summary>
    public async Task<OrganizationSummary?> GetSummaryAsync(string organizationId, CancellationToken cancellationToken) =>
        (await ReadAsync(organizationId, cancellationToken))?.Stored.Organization.Summarize();

    /// <summary>The whole organization (one point read), or null.</summary>
    public async Task<Organization?> GetAsync(string organizationId, CancellationToken cancellationToken) =>
        (await FindAsync(organizationId, cancellationToken))?.Organization;

    /// <summary>The whole organization with its version (one point read), or null.</summary>
    public async Task<StoredOrganization?> FindAsync(string organizationId, CancellationToken cancellationToken) =>
        (await ReadAsync(organizationId, cancellationToken))?.Stored;

    /// <summary>
    /// Makes the organization exactly <paramref name="organization"/> (PUT, import, seed): created when missing,
    /// replaced otherwise, untouched when it is that already. <paramref name="ifMatch"/>, when given, is the set of
    /// versions the caller accepts (<see cref="ETag.All"/>: any existing version).
    /// </summary>
    public Task<OrganizationWriteResult> PutAsync(Organization organization, IReadOnlyCollection<ETag>? ifMatch, CancellationToken cancellationToken) =>
        PutCoreAsync(organization, ifMatch, createOnly: false, cancellationToken);

    /// <summary>
    /// Creates the organization as given only if it does not exist (<c>If-None-Match: *</c>), decided under its write
    /// lock; <see cref="OrganizationWrite.PreconditionFailed"/> with the stored version when it does.
    /// </summary>
    public Task<OrganizationWriteResult> PutIfAbsentAsync(Organization organization, CancellationToken cancellationToken) =>
        PutCoreAsync(organization, ifMatch: null, createOnly: true, cancellationToken);

    async Task<OrganizationWriteResult> PutCoreAsync(Organization organization, IReadOnlyCollection<ETag>? ifMatch, bool createOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organization);
        // The common case of a repeated import: one read, nothing written, no lock. Unchanged only when no writer holds
        // the lock, which may still be bringing the indexes to this version (or have died doing it, for the next
        // writer to repair).
        var current = await ReadAsync(organization.Id, cancellationToken);
        if (current is not null)
        {
            if (createOnly || !Matches(ifMatch, current.Stored.ETag))
            {
                return new(OrganizationWrite.PreconditionFailed, current.Stored);
            }

            if (OrganizationRows.SameRows(current.Rows, OrganizationRows.RowsFor(organization)) && !await IsLockedAsync(organization.Id, cancellationToken))
            {
                return new(OrganizationWrite.Unchanged, current.Stored);
            }
        }

        return await ChangeAsync(organization.Id, OrganizationIndexes.EntriesFor(organization), old =>
        {
            if (createOnly && old is not null)
            {
                return Stop(OrganizationWrite.PreconditionFailed, old);
            }

            if (ifMatch is not null && (old is null || !Matches(ifMatch, old.ETag)))
            {
                return Stop(old is null ? OrganizationWrite.NotFound : OrganizationWrite.PreconditionFailed, old);
            }

            return Write(organization);
        }, cancellationToken, absent: current is null && ifMatch is null);
    }

    /// <summary>Deletes the organization (its rows, and its entries in every index).</summary>
    public Task<OrganizationWriteResult> DeleteAsync(string organizationId, IReadOnlyCollection<ETag>? ifMatch, CancellationToken cancellationToken) =>
        ChangeAsync(organizationId, [], old =>
            old is null ? Stop(OrganizationWrite.NotFound, null)
            : !Matches(ifMatch, old.ETag) ? Stop(OrganizationWrite.PreconditionFailed, old)
            : Write(null),
            cancellationToken);

    /// <summary>Creates an organization with its first full admin; when it exists already, nothing changes. True when created.</summary>
    public async Task<bool> CreateAsync(string organizationId, string name, OrganizationType type, DateTimeOffset createdAt, OrganizationUser firstAdmin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(firstAdmin);
        var organization = new Organization(organizationId, name, type, createdAt, [firstAdmin with { Roles = [UserRole.FullAdmin] }], []);
        var result = await ChangeAsync(organizationId, OrganizationIndexes.EntriesFor(organization), old => old is null ? Write(organization) : Stop(OrganizationWrite.Unchanged, old), cancellationToken);
        return result.Outcome == OrganizationWrite.Created;
    }

    /// <summary>Adds (or updates the status of) a subscription; idempotent.</summary>
    public async Task AddSubscriptionAsync(string organizationId, OrganizationSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var result = await ChangeAsync(organizationId, [], old => old is null
            ? throw new OrganizationNotFoundException(organizationId)
            : Write(old.Organization with { Subscriptions = [.. old.Organization.Subscriptions.Where(s => s.Id != subscription.Id), subscription] }),
            cancellationToken);
        if (result.Outcome == OrganizationWrite.Rejected)
        {
            throw new SubscriptionHeldElsewhereException(subscription.Id, organizationId);
        }
    }

    /// <summary>Makes the address a full admin (adding the user if needed); idempotent.</summary>
    public Task AddFullAdminAsync(string organizationId, string email, string? name, CancellationToken cancellationToken) =>
        ChangeAsync(organizationId, [], old =>
        {
            if (old is null)
            {
                throw new OrganizationNotFoundException(organizationId);
            }

            var users = old.Organization.Users;
            var identity = EmailAddress.Normalize(email);
            var current = users.FirstOrDefault(u => EmailAddress.Normalize(u.Email) == identity) ?? new OrganizationUser(identity, name);
            var admin = current with { Name = current.Name ?? name, Roles = current.Roles.Append(UserRole.FullAdmin).Distinct().Order().ToList() };
            return Write(old.Organization with { Users = [.. users.Where(u => EmailAddress.Normalize(u.Email) != identity), admin] });
        }, cancellationToken);

    // An organization as read: what it is, its version, and the rows it was read from (its row, then its pages).
    sealed record Current(StoredOrganization Stored, IReadOnlyList<TableEntity> Rows);

    // The organization's row, and its pages when it has any: point reads only, so the cost does not depend on how many
    // organizations the table holds. Pages are read after the row; if a write replaced them in between, read again.
    async Task<Current?> ReadAsync(string organizationId, CancellationToken cancellationToken)
    {
        var pk = OrganizationRows.PartitionKey(organizationId);
        for (var attempt = 1; ; attempt++)
        {
            var head = await table.GetEntityIfExistsAsync<TableEntity>(pk, OrganizationRows.OrganizationRowKey(organizationId), cancellationToken: cancellationToken);
            if (!head.HasValue)
            {
                return null;
            }

            var rows = new List<TableEntity> { head.Value! };
            var pages = await Task.WhenAll(Enumerable.Range(1, OrganizationRows.PageCount(head.Value!)).Select(async page =>
                await table.GetEntityIfExistsAsync<TableEntity>(pk, OrganizationRows.PageRowKey(pk, page), cancellationToken: cancellationToken)));
            rows.AddRange(pages.Where(p => p.HasValue).Select(p => p.Value!));
            try
            {
                return new Current(new StoredOrganization(OrganizationRows.Assemble(rows)!, head.Value!.ETag), rows);
            }
            catch (TornOrganizationException) when (attempt < 10)
            {
            }
        }
    }

    async Task<bool> IsLockedAsync(string organizationId, CancellationToken cancellationToken)
    {
        var pk = OrganizationRows.PartitionKey(organizationId);
        return (await table.GetEntityIfExistsAsync<TableEntity>(pk, OrganizationRows.LockRowKey(pk), select: ["PartitionKey"], cancellationToken: cancellationToken)).HasValue;
    }

    static bool Matches(IReadOnlyCollection<ETag>? ifMatch, ETag current) =>
        ifMatch is null || ifMatch.Any(e => e == ETag.All || e == current);

    // What a change decides, given the organization as it is: stop with a result, or write the next version (null: delete).
    sealed record Decision(OrganizationWriteResult? Stop, Organization? Next);

    static Decision Stop(OrganizationWrite outcome, StoredOrganization? current) => new(new OrganizationWriteResult(outcome, current), null);

    static Decision Write(Organization? next) => new(null, next);

    // The one write path. `hint` is the index entries the caller expects the new version to have (noted in the lock
    // row as it is taken, so a creation needs no extra write for them). `absent`: the caller has just seen that the
    // organization does not exist, so it is not read again; the insert of its row fails if someone created it since.
    //
    // Under the lock, in this order: claim added subscriptions (a refusal leaves nothing behind); note the index keys
    // about to change in the lock row; bring those index entities to the new version; then one batch writes the
    // organization's rows and, unless subscriptions remain to be released, deletes the lock. A writer that dies before
    // the batch leaves its lock with the noted keys: whoever takes the lapsed lock over sets them back to what the
    // organization still is.
    async Task<OrganizationWriteResult> ChangeAsync(string organizationId, IReadOnlyList<IndexEntry> hint, Func<StoredOrganization?, Decision> decide, CancellationToken cancellationToken, bool absent = false)
    {
        var pk = OrganizationRows.PartitionKey(organizationId);
        await using var writeLock = await WriteLock.AcquireAsync(table, pk, hint.Select(e => e.Key), time, cancellationToken);
        var touched = new HashSet<IndexKey>(writeLock.Inherited);
        for (var assumedAbsent = absent; ; assumedAbsent = false)
        {
            var read = assumedAbsent ? null : await ReadAsync(organizationId, cancellationToken);
            var current = read?.Stored;
            var old = current?.Organization;
            var decision = decide(current);
            if (decision.Stop is { } stop)
            {
                // Nothing to write, but repair what a crashed writer (or an attempt of ours) may have left in the indexes.
                await RepairAsync(touched, organizationId, old, cancellationToken);
                return stop;
            }

            var next = decision.Next;
            var oldRows = read?.Rows ?? [];
            var newRows = next is null ? [] : OrganizationRows.RowsFor(next);
            if (next is not null && current is not null && OrganizationRows.SameRows(oldRows, newRows))
            {
                await RepairAsync(touched, organizationId, old, cancellationToken);
                return new(OrganizationWrite.Unchanged, current);
            }

            var oldSubscriptions = old?.Subscriptions.Select(s => s.Id).ToHashSet(StringComparer.Ordinal) ?? [];
            var added = next?.Subscriptions.Select((s, i) => (s.Id, Index: i)).Where(s => !oldSubscriptions.Contains(s.Id)).ToList() ?? [];
            var claimed = new List<string>();
            var errors = new Dictionary<string, string[]>();
            foreach (var (subscriptionId, index) in added)
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

            if (errors.Count > 0)
            {
                foreach (var subscriptionId in claimed)
                {
                    await Indexes.ReleaseSubscriptionAsync(subscriptionId, organizationId, cancellationToken);
                }

                await RepairAsync(touched, organizationId, old, cancellationToken);
                return new(OrganizationWrite.Rejected, current, errors);
            }

            var oldEntries = (old is null ? [] : OrganizationIndexes.EntriesFor(old)).ToDictionary(e => e.Key);
            var newEntries = next is null ? [] : OrganizationIndexes.EntriesFor(next);
            var changed = newEntries.Where(e => oldEntries.GetValueOrDefault(e.Key) != e).Select(e => e.Key)
                .Concat(oldEntries.Keys.Except(newEntries.Select(e => e.Key)))
                .Concat(touched)
                .ToHashSet();
            await writeLock.NoteAsync(changed, cancellationToken);
            await Indexes.SetAsync(organizationId, changed, newEntries, likelyNew: old is null, cancellationToken);
            touched.UnionWith(changed);

            var removed = old?.Subscriptions.Select(s => s.Id).Where(id => next?.Subscriptions.Any(s => s.Id == id) != true).ToList() ?? [];
            ETag? version;
            try
            {
                version = await WriteRowsAsync(oldRows, newRows, current?.ETag, removed.Count == 0 ? writeLock : null, cancellationToken);
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

            foreach (var subscriptionId in removed)
            {
                await Indexes.ReleaseSubscriptionAsync(subscriptionId, organizationId, cancellationToken);
            }

            if (next is null)
            {
                return new(OrganizationWrite.Deleted);
            }

            // What was written is what is stored: nobody else writes the organization while we hold its lock.
            var stored = new StoredOrganization(OrganizationRows.Assemble(newRows)!, version ?? (await FindAsync(organizationId, cancellationToken))!.ETag);
            return new(old is null ? OrganizationWrite.Created : OrganizationWrite.Replaced, stored);
        }
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

    async Task<bool> ListsSubscriptionAsync(string organizationId, string subscriptionId, CancellationToken cancellationToken) =>
        (await GetAsync(organizationId, cancellationToken))?.Subscriptions.Any(s => s.Id == subscriptionId) == true;

    // The organization row goes first, guarded by the version that was read: it is the version. The lock, when given,
    // is deleted in the same batch. Returns the row's new ETag (null when deleted, or when the service did not say).
    async Task<ETag?> WriteRowsAsync(IReadOnlyList<TableEntity> oldRows, IReadOnlyList<TableEntity> newRows, ETag? version, WriteLock? release, CancellationToken cancellationToken)
    {
        var oldByKey = oldRows.ToDictionary(r => r.RowKey, StringComparer.Ordinal);
        var newKeys = newRows.Select(r => r.RowKey).ToHashSet(StringComparer.Ordinal);
        var actions = new List<TableTransactionAction>();
        TableTransactionAction? head = null;
        foreach (var row in newRows)
        {
            var isHead = OrganizationRows.IsOrganizationRow(row.RowKey);
            if (oldByKey.TryGetValue(row.RowKey, out var existing) && OrganizationRows.SameData(existing, row) && !isHead)
            {
                continue;
            }

            var action = existing is null
                ? new TableTransactionAction(TableTransactionActionType.Add, row)
                : isHead ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, version ?? ETag.All)
                : new TableTransactionAction(TableTransactionActionType.UpsertReplace, row);
            if (isHead)
            {
                head = action;
            }
            else
            {
                actions.Add(action);
            }
        }

        foreach (var row in oldRows.Where(r => !newKeys.Contains(r.RowKey)))
        {
            var action = new TableTransactionAction(TableTransactionActionType.Delete, row, OrganizationRows.IsOrganizationRow(row.RowKey) ? version ?? ETag.All : ETag.All);
            if (OrganizationRows.IsOrganizationRow(row.RowKey))
            {
                head = action;
            }
            else
            {
                actions.Add(action);
            }
        }

        if (head is not null)
        {
            actions.Insert(0, head);
        }

        if (release is not null && actions.Count < MaxBatch)
        {
            actions.Add(release.ReleaseAction());
        }
        else
        {
            release = null;
        }

        ETag? written = null;
        foreach (var chunk in actions.Chunk(MaxBatch))
        {
            var response = await table.SubmitTransactionAsync(chunk, cancellationToken);
            if (chunk[0] == head && head.ActionType != TableTransactionActionType.Delete)
            {
                written = response.Value[0].Headers.ETag;
            }
        }

        release?.Released();
        return written;
    }

    /// <summary>
    /// An organization's write lock: a row of its partition (RowKey <c>lock|</c> + partition key, so it never
    /// shares a RowKey with another organization's), inserted to take it and deleted to give it back, leased for
    /// <see cref="LockLease"/> so a dead writer's lock lapses. It also notes the index keys its holder may be
    /// changing; whoever takes a lapsed lock over inherits them and sets them right.
    /// </summary>
    sealed class WriteLock : IAsyncDisposable
    {
        const string PendingProperty = "Pending";

        readonly TableClient table;
        readonly string partitionKey;
        readonly TimeProvider time;
        readonly HashSet<IndexKey> noted;
        ETag etag;
        bool released;

        WriteLock(TableClient table, string partitionKey, TimeProvider time, HashSet<IndexKey> noted, ETag etag, IReadOnlyCollection<IndexKey> inherited)
        {
            this.table = table;
            this.partitionKey = partitionKey;
            this.time = time;
            this.noted = noted;
            this.etag = etag;
            Inherited = inherited;
        }

        /// <summary>The index keys a writer whose lease lapsed had noted: they may be half changed.</summary>
        public IReadOnlyCollection<IndexKey> Inherited { get; }

        public static async Task<WriteLock> AcquireAsync(TableClient table, string partitionKey, IEnumerable<IndexKey> hint, TimeProvider time, CancellationToken cancellationToken)
        {
            var keys = hint.ToHashSet();
            var deadline = time.GetUtcNow() + LockWait;
            for (var attempt = 1; ; attempt++)
            {
                var now = time.GetUtcNow();
                try
                {
                    var response = await table.AddEntityAsync(Row(partitionKey, keys, now), cancellationToken);
                    return new WriteLock(table, partitionKey, time, keys, response.Headers.ETag ?? ETag.All, []);
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    var held = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, OrganizationRows.LockRowKey(partitionKey), cancellationToken: cancellationToken);
                    if (held.HasValue && held.Value!.GetDateTimeOffset("ExpiresAt") is { } expires && expires < now)
                    {
                        var inherited = Json.Deserialize<List<IndexKey>>(ChunkedJson.Read(held.Value, PendingProperty) ?? "[]") ?? [];
                        var all = keys.Union(inherited).ToHashSet();
                        try
                        {
                            var response = await table.UpdateEntityAsync(Row(partitionKey, all, now), held.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                            return new WriteLock(table, partitionKey, time, all, response.Headers.ETag ?? ETag.All, inherited);
                        }
                        catch (RequestFailedException taken) when (taken.Status is 404 or 412)
                        {
                            // Another writer took it over (or its holder finished) first.
                        }
                    }
                }

                if (time.GetUtcNow() > deadline)
                {
                    throw new OrganizationBusyException(partitionKey);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, 5 * attempt) + Random.Shared.Next(0, 10)), time, cancellationToken);
            }
        }

        /// <summary>Notes index keys before changing them: one write, only when some were not noted yet.</summary>
        public async Task NoteAsync(IReadOnlyCollection<IndexKey> keys, CancellationToken cancellationToken)
        {
            if (keys.All(noted.Contains))
            {
                return;
            }

            noted.UnionWith(keys);
            var response = await table.UpdateEntityAsync(Row(partitionKey, noted, time.GetUtcNow()), etag, TableUpdateMode.Replace, cancellationToken);
            etag = response.Headers.ETag ?? ETag.All;
        }

        /// <summary>Deletes the lock in the caller's batch (the lock row is in the organization's partition).</summary>
        public TableTransactionAction ReleaseAction() =>
            new(TableTransactionActionType.Delete, new TableEntity(partitionKey, OrganizationRows.LockRowKey(partitionKey)), etag);

        /// <summary>The caller's batch deleted the lock.</summary>
        public void Released() => released = true;

        public async ValueTask DisposeAsync()
        {
            if (released)
            {
                return;
            }

            try
            {
                await table.DeleteEntityAsync(partitionKey, OrganizationRows.LockRowKey(partitionKey), etag);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Taken over after our lease lapsed: the new holder owns it now.
            }
        }

        static TableEntity Row(string partitionKey, IEnumerable<IndexKey> pending, DateTimeOffset now)
        {
            var row = new TableEntity(partitionKey, OrganizationRows.LockRowKey(partitionKey)) { ["ExpiresAt"] = now + LockLease };
            ChunkedJson.Write(row, PendingProperty, Json.Serialize(pending));
            return row;
        }
    }
}
