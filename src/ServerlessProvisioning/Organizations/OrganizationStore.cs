using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>Raised when an operation names an organization that does not exist.</summary>
public sealed class OrganizationNotFoundException(string organizationId)
    : Exception($"Organization '{organizationId}' does not exist.")
{
    /// <summary>The missing organization.</summary>
    public string OrganizationId { get; } = organizationId;
}

/// <summary>
/// Organizations in Table Storage. Every write is idempotent (upserts keyed by organization, user email and
/// subscription id), changes an organization's rows and summary in one batch transaction guarded by the
/// summary row's ETag, then brings the indexes up to date.
/// </summary>
public sealed class OrganizationStore(TableServiceClient service, TableNames names)
{
    const int MaxAttempts = 20;
    const int MaxBatch = 100;

    readonly TableClient table = service.GetTableClient(names.Organizations);

    /// <summary>The indexes this store maintains.</summary>
    public OrganizationIndexes Indexes { get; } = new(service, names);

    /// <summary>The summary of one organization (one point read), or null.</summary>
    public async Task<OrganizationSummary?> GetSummaryAsync(string organizationId, CancellationToken cancellationToken)
    {
        var row = await GetRowAsync(organizationId, cancellationToken);
        return row is null ? null : OrganizationRows.ReadSummary(row);
    }

    /// <summary>The whole organization (a partition query), or null.</summary>
    public async Task<Organization?> GetAsync(string organizationId, CancellationToken cancellationToken)
    {
        var rows = await ReadPartitionAsync(OrganizationRows.PartitionKey(organizationId), cancellationToken);
        return OrganizationRows.Assemble(rows);
    }

    /// <summary>
    /// Makes the organization hold at least what <paramref name="organization"/> describes (import): its row is
    /// replaced, its users and subscriptions upserted (others it already has stay), the summary recomputed.
    /// </summary>
    public Task UpsertAsync(Organization organization, CancellationToken cancellationToken) =>
        UpsertManyAsync([organization], cancellationToken);

    /// <summary>Upserts many organizations: their partitions a few at a time, then every index entity once.</summary>
    public async Task UpsertManyAsync(IReadOnlyList<Organization> organizations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organizations);
        var merged = new System.Collections.Concurrent.ConcurrentBag<Organization>();
        await Parallel.ForEachAsync(
            organizations,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (organization, ct) => merged.Add(await UpsertRowsAsync(organization, ct)));
        await Indexes.EnsureAsync(merged.SelectMany(OrganizationIndexes.EntriesFor), cancellationToken);
    }

    async Task<Organization> UpsertRowsAsync(Organization organization, CancellationToken cancellationToken)
    {
        var pk = OrganizationRows.PartitionKey(organization.Id);
        var children = organization.Users.Select(u => OrganizationRows.UserRow(organization.Id, u))
            .Concat(organization.Subscriptions.Select(s => OrganizationRows.SubscriptionRow(organization.Id, s)))
            .ToList();
        foreach (var chunk in children.Chunk(MaxBatch))
        {
            await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
        }

        return await RecomputeAsync(pk, organization, cancellationToken);
    }

    /// <summary>Creates an organization with its first full admin; when it exists already, nothing changes.</summary>
    public async Task<bool> CreateAsync(string organizationId, string name, OrganizationType type, DateTimeOffset createdAt, OrganizationUser firstAdmin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(firstAdmin);
        var admin = firstAdmin with { Roles = [UserRole.FullAdmin] };
        var organization = new Organization(organizationId, name, type, createdAt, [admin], []);
        var summary = organization.Summarize();
        var created = true;
        try
        {
            await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, OrganizationRows.OrganizationRow(summary)),
                    new TableTransactionAction(TableTransactionActionType.UpsertReplace, OrganizationRows.UserRow(organizationId, admin)),
                ],
                cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // Created by an earlier run of the same step; the indexes below may still need it.
            created = false;
        }

        var existing = await GetAsync(organizationId, cancellationToken) ?? organization;
        await EnsureIndexesAsync(existing, cancellationToken);
        return created;
    }

    /// <summary>Adds (or updates the status of) a subscription; idempotent.</summary>
    public Task AddSubscriptionAsync(string organizationId, OrganizationSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return ChangeChildAsync(organizationId, OrganizationRows.SubscriptionRow(organizationId, subscription), null, cancellationToken);
    }

    /// <summary>Makes the address a full admin (adding the user if needed); idempotent.</summary>
    public async Task AddFullAdminAsync(string organizationId, string email, string? name, CancellationToken cancellationToken)
    {
        var rk = OrganizationRows.UserRowKey(email);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(OrganizationRows.PartitionKey(organizationId), rk, cancellationToken: cancellationToken);
        var current = existing.HasValue ? OrganizationRows.ReadUser(existing.Value!) : new OrganizationUser(email, name);
        var user = current with { Name = current.Name ?? name, Roles = current.Roles.Append(UserRole.FullAdmin).Distinct().Order().ToList() };
        await ChangeChildAsync(organizationId, OrganizationRows.UserRow(organizationId, user), user, cancellationToken);
    }

    /// <summary>Reads every row of a partition.</summary>
    internal async Task<List<TableEntity>> ReadPartitionAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}");
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    async Task<TableEntity?> GetRowAsync(string organizationId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(OrganizationRows.PartitionKey(organizationId), OrganizationRows.OrganizationRowKey(organizationId), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    // Upserts one user or subscription row and the summary it changes, atomically, retrying on concurrent changes.
    async Task ChangeChildAsync(string organizationId, TableEntity child, OrganizationUser? user, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var head = await GetRowAsync(organizationId, cancellationToken) ?? throw new OrganizationNotFoundException(organizationId);
            var old = await table.GetEntityIfExistsAsync<TableEntity>(child.PartitionKey, child.RowKey, cancellationToken: cancellationToken);
            var summary = OrganizationRows.ReadSummary(head);
            if (old.HasValue && OrganizationRows.SameData(old.Value!, child))
            {
                break;
            }

            var updated = Apply(summary, old.HasValue ? old.Value : null, child);
            try
            {
                await table.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.UpdateReplace, OrganizationRows.OrganizationRow(updated, head.ETag), head.ETag),
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace, child),
                    ],
                    cancellationToken);
                break;
            }
            catch (TableTransactionFailedException e) when (e.Status is 412 or 409 && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt), cancellationToken);
            }
        }

        if (user is not null)
        {
            var summary = await GetSummaryAsync(organizationId, cancellationToken) ?? throw new OrganizationNotFoundException(organizationId);
            await Indexes.EnsureAsync(OrganizationIndexes.EntriesFor(summary.OrganizationId, summary.Name, [user]), cancellationToken);
        }
    }

    static OrganizationSummary Apply(OrganizationSummary summary, TableEntity? old, TableEntity child)
    {
        if (OrganizationRows.IsSubscriptionRow(child.RowKey))
        {
            var wasActive = old is not null && OrganizationRows.ReadSubscription(old).Status == SubscriptionStatus.Active;
            var isActive = OrganizationRows.ReadSubscription(child).Status == SubscriptionStatus.Active;
            return summary with { ActiveSubscriptions = summary.ActiveSubscriptions + (isActive ? 1 : 0) - (wasActive ? 1 : 0) };
        }

        var user = OrganizationRows.ReadUser(child);
        var admins = summary.FullAdmins.Where(a => a.Email != EmailAddress.Normalize(user.Email)).ToList();
        if (user.IsFullAdmin)
        {
            admins.Add(new AdminContact(EmailAddress.Normalize(user.Email), user.Name));
        }

        return summary with
        {
            Users = summary.Users + (old is null ? 1 : 0),
            FullAdmins = admins.OrderBy(a => a.Email, StringComparer.Ordinal).ToList(),
        };
    }

    // Replaces the organization row with a summary computed from the partition's rows, under its ETag.
    async Task<Organization> RecomputeAsync(string pk, Organization described, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var rows = await ReadPartitionAsync(pk, cancellationToken);
            var head = rows.FirstOrDefault(r => OrganizationRows.IsOrganizationRow(r.RowKey));
            var withHead = rows.Where(r => !OrganizationRows.IsOrganizationRow(r.RowKey))
                .Append(OrganizationRows.OrganizationRow(described.Summarize()));
            var merged = OrganizationRows.Assemble(withHead)!;
            var row = OrganizationRows.OrganizationRow(merged.Summarize());
            try
            {
                if (head is null)
                {
                    await table.AddEntityAsync(row, cancellationToken);
                }
                else if (!OrganizationRows.SameData(head, row))
                {
                    await table.UpdateEntityAsync(row, head.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return merged;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt), cancellationToken);
            }
        }
    }

    Task EnsureIndexesAsync(Organization organization, CancellationToken cancellationToken) =>
        Indexes.EnsureAsync(OrganizationIndexes.EntriesFor(organization), cancellationToken);
}
