using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>One organization a user belongs to, as the user index lists it.</summary>
public sealed record Membership(string OrganizationId, bool IsFullAdmin);

/// <summary>One organization the domain index lists for a (domain, name key) pair.</summary>
public sealed record NamedOrganization(string OrganizationId, string NormalizedName);

/// <summary>One item an organization puts in an index entity: the entity's keys, and the organization's item there.</summary>
public abstract record IndexEntry(string PartitionKey, string RowKey, string OrganizationId);

/// <summary>The organization in the user index entity of one address.</summary>
public sealed record UserIndexEntry(string PartitionKey, string RowKey, Membership Membership) : IndexEntry(PartitionKey, RowKey, Membership.OrganizationId);

/// <summary>The organization in the domain index entity of one (domain, name key) pair.</summary>
public sealed record DomainIndexEntry(string PartitionKey, string RowKey, NamedOrganization Organization) : IndexEntry(PartitionKey, RowKey, Organization.OrganizationId);

/// <summary>
/// The two index entities that make matching point reads only:
/// <list type="bullet">
/// <item>UserIndex: PartitionKey = RowKey = normalized email → the organizations the address belongs to and whether it is a full admin there (Rule A and AdminIsMember).</item>
/// <item>DomainIndex: PartitionKey = email domain, RowKey = name key → the organizations with that key having a user at that domain (Rule B).</item>
/// </list>
/// Both are derived from the Organizations table and kept current by every write, with ETag
/// optimistic concurrency so concurrent writers never lose each other's entries.
/// </summary>
public sealed class OrganizationIndexes(TableServiceClient service, TableNames names)
{
    const string ItemsProperty = "Items";
    const int MaxAttempts = 60;

    readonly TableClient users = service.GetTableClient(names.UserIndex);
    readonly TableClient domains = service.GetTableClient(names.DomainIndex);

    /// <summary>
    /// The key of a user index entity: the normalized email as both keys. The RowKey repeats the PartitionKey
    /// because Azurite finds an entity by RowKey first and scans every entity sharing it; a constant RowKey
    /// would make this point read grow with the number of users (see <see cref="OrganizationRows.OrganizationRowKey"/>).
    /// </summary>
    public static (string PartitionKey, string RowKey) UserKey(string email)
    {
        var key = TableKey.Encode(EmailAddress.Normalize(email));
        return (key, key);
    }

    /// <summary>The key of a domain index entity.</summary>
    public static (string PartitionKey, string RowKey) DomainKey(string asciiDomain, string nameKey) => (TableKey.Encode(asciiDomain), TableKey.Encode(nameKey));

    /// <summary>
    /// Every index item an organization implies: one user index item per user, one domain index item per domain its
    /// users are at (when its name has a key). The one derivation of the indexes: writes, bulk loads and the
    /// consistency checker all use it.
    /// </summary>
    public static IReadOnlyList<IndexEntry> EntriesFor(string organizationId, string name, IEnumerable<OrganizationUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var normalizedName = CompanyName.Normalize(name);
        var nameKey = CompanyName.KeyOfNormalized(normalizedName);
        var entries = new List<IndexEntry>();
        var seen = new HashSet<(string, string, bool)>();
        foreach (var user in users)
        {
            var (pk, rk) = UserKey(user.Email);
            if (seen.Add((pk, rk, true)))
            {
                entries.Add(new UserIndexEntry(pk, rk, new Membership(organizationId, user.IsFullAdmin)));
            }

            // Several users of one organization at one domain make one entry.
            if (EmailAddress.DomainOf(user.Email) is { } domain && nameKey.Length > 0)
            {
                var (dpk, drk) = DomainKey(domain, nameKey);
                if (seen.Add((dpk, drk, false)))
                {
                    entries.Add(new DomainIndexEntry(dpk, drk, new NamedOrganization(organizationId, normalizedName)));
                }
            }
        }

        return entries;
    }

    /// <summary>Every index item of a whole organization.</summary>
    public static IReadOnlyList<IndexEntry> EntriesFor(Organization organization)
    {
        ArgumentNullException.ThrowIfNull(organization);
        return EntriesFor(organization.Id, organization.Name, organization.Users);
    }

    /// <summary>The organizations an address belongs to (one point read).</summary>
    public async Task<IReadOnlyList<Membership>> GetMembershipsAsync(string email, CancellationToken cancellationToken)
    {
        var (pk, rk) = UserKey(email);
        var entity = await GetAsync(users, pk, rk, cancellationToken);
        return entity is null ? [] : ReadItems<Membership>(entity);
    }

    /// <summary>The organizations with the name key that have a user at the domain (one point read).</summary>
    public async Task<IReadOnlyList<NamedOrganization>> GetByDomainAndKeyAsync(string asciiDomain, string nameKey, CancellationToken cancellationToken)
    {
        var (pk, rk) = DomainKey(asciiDomain, nameKey);
        var entity = await GetAsync(domains, pk, rk, cancellationToken);
        return entity is null ? [] : ReadItems<NamedOrganization>(entity);
    }

    /// <summary>
    /// Makes the indexes hold <paramref name="entries"/> (adding them, or replacing the same organization's item in
    /// an entity). Entries are grouped per index entity so that each entity is read and written once, whatever the
    /// number of organizations sharing it (imports); a no-op for what the indexes hold already.
    /// </summary>
    public async Task EnsureAsync(IEnumerable<IndexEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var memberships = new Dictionary<(string, string), List<Membership>>();
        var named = new Dictionary<(string, string), List<NamedOrganization>>();
        foreach (var entry in entries)
        {
            switch (entry)
            {
                case UserIndexEntry user:
                    Group(memberships, (user.PartitionKey, user.RowKey), user.Membership);
                    break;
                case DomainIndexEntry domain:
                    Group(named, (domain.PartitionKey, domain.RowKey), domain.Organization);
                    break;
            }
        }

        var work = memberships.Select(m => (Func<CancellationToken, Task>)(ct => ChangeListAsync<Membership>(users, m.Key.Item1, m.Key.Item2, items => Merge(items, m.Value, x => x.OrganizationId), ct)))
            .Concat(named.Select(n => (Func<CancellationToken, Task>)(ct => ChangeListAsync<NamedOrganization>(domains, n.Key.Item1, n.Key.Item2, items => Merge(items, n.Value, x => x.OrganizationId), ct))));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (change, ct) => await change(ct));
    }

    static void Group<TKey, T>(Dictionary<TKey, List<T>> map, TKey key, T item)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(item);
    }

    // Puts every wanted item in the list, replacing an entry of the same organization; true when anything changed.
    static bool Merge<T>(List<T> items, IEnumerable<T> wanted, Func<T, string> organizationId)
    {
        var changed = false;
        foreach (var item in wanted)
        {
            var index = items.FindIndex(i => organizationId(i) == organizationId(item));
            if (index >= 0 && EqualityComparer<T>.Default.Equals(items[index], item))
            {
                continue;
            }

            if (index >= 0)
            {
                items[index] = item;
            }
            else
            {
                items.Add(item);
            }

            changed = true;
        }

        return changed;
    }

    /// <summary>Reads the list of an index entity.</summary>
    public static IReadOnlyList<T> ReadItems<T>(TableEntity entity) =>
        Json.Deserialize<List<T>>(ChunkedJson.Read(entity, ItemsProperty) ?? "[]") ?? [];

    /// <summary>Creates an index entity holding <paramref name="items"/> (for bulk loads into empty tables).</summary>
    public static TableEntity CreateEntity<T>(string partitionKey, string rowKey, IReadOnlyCollection<T> items)
    {
        var entity = new TableEntity(partitionKey, rowKey);
        ChunkedJson.Write(entity, ItemsProperty, Json.Serialize(items));
        return entity;
    }

    static async Task<TableEntity?> GetAsync(TableClient table, string pk, string rk, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    // Read-modify-write under optimistic concurrency: a concurrent writer makes ours fail with 412/409, and we retry on fresh data.
    static async Task ChangeListAsync<T>(TableClient table, string pk, string rk, Func<List<T>, bool> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync(table, pk, rk, cancellationToken);
            var items = existing is null ? [] : ReadItems<T>(existing).ToList();
            if (!change(items))
            {
                return;
            }

            var entity = CreateEntity(pk, rk, items);
            try
            {
                if (existing is null)
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 10 + (10 * Math.Min(attempt, 10)))), cancellationToken);
            }
        }
    }
}
