using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// Organizations in Table Storage: the directory API, imports and the workflow all write through here. Every write
/// takes the organization's write lock (a row of its partition, leased), reads the organization (one point read:
/// see <see cref="OrganizationRows"/>), claims its new subscriptions in the subscription index, brings the user and
/// domain indexes to exactly what the new version implies (<see cref="OrganizationIndexes.EntriesFor(Organization)"/>),
/// removing what the old one had and the new one has not, and then writes its row (whose ETag is the organization's
/// version) and pages and deletes the lock in one batch. The index keys about to change are noted in the lock row
/// first, so a writer that takes over a lapsed lock sets back whatever a crashed writer left half done.
/// Every write is idempotent: writing the same organization twice writes nothing the second time.
/// The write path is <c>ChangeAsync</c> (OrganizationStore.Change.cs), over <see cref="OrganizationWriteLock"/> and
/// <see cref="OrganizationRowWriter"/>.
/// </summary>
public sealed partial class OrganizationStore(TableServiceClient service, TableNames names, TimeProvider time)
{
    /// <summary>How long a write lock holds before another writer may take it over (a writer died).</summary>
    public static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);

    /// <summary>How long a writer waits for the lock before giving up with <see cref="OrganizationBusyException"/>.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(20);

    readonly TableClient table = service.GetTableClient(names.Organizations);
    readonly OrganizationRowWriter writer = new(service.GetTableClient(names.Organizations));

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

    /// <summary>
    /// Creates an organization with its first full admin and a subscription in one write (one lock, one read, one batch),
    /// or, when it exists already (a creation run again), adds the subscription to it; idempotent.
    /// </summary>
    public async Task CreateWithSubscriptionAsync(string organizationId, string name, OrganizationType type, DateTimeOffset createdAt, OrganizationUser firstAdmin, OrganizationSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(firstAdmin);
        ArgumentNullException.ThrowIfNull(subscription);
        var organization = new Organization(organizationId, name, type, createdAt, [firstAdmin with { Roles = [UserRole.FullAdmin] }], [subscription]);
        var result = await ChangeAsync(organizationId, OrganizationIndexes.EntriesFor(organization), old => Write(old is null ? organization : WithSubscription(old.Organization, subscription)), cancellationToken);
        ThrowIfHeldElsewhere(result, organizationId, subscription);
    }

    /// <summary>Adds (or updates the status of) a subscription; idempotent.</summary>
    public async Task AddSubscriptionAsync(string organizationId, OrganizationSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var result = await ChangeAsync(organizationId, [], old => old is null
            ? throw new OrganizationNotFoundException(organizationId)
            : Write(WithSubscription(old.Organization, subscription)),
            cancellationToken);
        ThrowIfHeldElsewhere(result, organizationId, subscription);
    }

    static Organization WithSubscription(Organization organization, OrganizationSubscription subscription) =>
        organization with { Subscriptions = [.. organization.Subscriptions.Where(s => s.Id != subscription.Id), subscription] };

    // A write refused because the subscription's index names another organization.
    static void ThrowIfHeldElsewhere(OrganizationWriteResult result, string organizationId, OrganizationSubscription subscription)
    {
        if (result.Outcome == OrganizationWrite.Rejected)
        {
            throw new SubscriptionHeldElsewhereException(subscription.Id, organizationId);
        }
    }

    /// <summary>Makes the address a full admin (adding the user if needed); idempotent: <see cref="OrganizationWrite.Unchanged"/> when it is one already.</summary>
    public Task<OrganizationWriteResult> AddFullAdminAsync(string organizationId, string email, string? name, CancellationToken cancellationToken) =>
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
    sealed record Snapshot(StoredOrganization Stored, IReadOnlyList<TableEntity> Rows);

    // The organization's row, and its pages when it has any: point reads only, so the cost does not depend on how many
    // organizations the table holds. Pages are read after the row; if a write replaced them in between, read again.
    async Task<Snapshot?> ReadAsync(string organizationId, CancellationToken cancellationToken)
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
                return new Snapshot(new StoredOrganization(OrganizationRows.Assemble(rows)!, head.Value!.ETag), rows);
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
}
