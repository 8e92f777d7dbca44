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

/// <summary>Which index an entry belongs to.</summary>
public enum IndexName
{
    /// <summary>UserIndex: the organizations of an address.</summary>
    User,

    /// <summary>DomainIndex: the organizations of a (domain, name key) pair.</summary>
    Domain,

    /// <summary>NameIndex: an organization by its folded name (the directory's name search).</summary>
    Name,
}

/// <summary>The keys of one index entity.</summary>
public readonly record struct IndexKey(IndexName Index, string PartitionKey, string RowKey);

/// <summary>One item an organization puts in an index entity: the entity's keys, and the organization's item there.</summary>
public abstract record IndexEntry(IndexKey Key, string OrganizationId);

/// <summary>The organization in the user index entity of one address.</summary>
public sealed record UserIndexEntry(IndexKey Key, Membership Membership) : IndexEntry(Key, Membership.OrganizationId);

/// <summary>The organization in the domain index entity of one (domain, name key) pair.</summary>
public sealed record DomainIndexEntry(IndexKey Key, NamedOrganization Organization) : IndexEntry(Key, Organization.OrganizationId);

/// <summary>The organization in its own name index entity.</summary>
public sealed record NameIndexEntry(IndexKey Key, NamedOrganization Organization) : IndexEntry(Key, Organization.OrganizationId);

/// <summary>
/// The index entities that make matching point reads only, and keep subscriptions to one organization:
/// <list type="bullet">
/// <item>UserIndex: PartitionKey = RowKey = normalized email → the organizations the address belongs to and whether it is a full admin there (Rule A and AdminIsMember).</item>
/// <item>DomainIndex: PartitionKey = email domain, RowKey = name key → the organizations with that key having a user at that domain (Rule B).</item>
/// <item>NameIndex: PartitionKey = the first character of the folded name, RowKey = the folded name (its first
/// <see cref="NameKeyLength"/> characters), '|' and the organization id → the organization (the directory's name search).</item>
/// <item>SubscriptionIndex: PartitionKey = RowKey = subscription id → the one organization that holds it.</item>
/// </list>
/// All are derived from the Organizations table (<see cref="EntriesFor(Organization)"/>) and changed only by
/// <see cref="OrganizationStore"/> under the organization's write lock; several organizations share an entity, so
/// every change is a read-modify-write under ETag optimistic concurrency.
/// </summary>
public sealed class OrganizationIndexes(TableServiceClient service, TableNames names)
{
    const string ItemsProperty = "Items";
    const string OwnerProperty = "OrganizationId";
    const string ClaimedAtProperty = "ClaimedAt";
    const int MaxAttempts = 60;

    /// <summary>How many characters (Unicode scalars) of the folded name a name index key keeps.</summary>
    public const int NameKeyLength = 100;

    readonly TableClient users = service.GetTableClient(names.UserIndex);
    readonly TableClient domains = service.GetTableClient(names.DomainIndex);
    readonly TableClient namesIndex = service.GetTableClient(names.NameIndex);
    readonly TableClient subscriptions = service.GetTableClient(names.SubscriptionIndex);

    /// <summary>
    /// The key of a user index entity: the address's identity as both keys. The RowKey repeats the PartitionKey
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
    /// The key of an organization's name index entity: one partition per first character of the folded name, the
    /// RowKey the folded name cut to <see cref="NameKeyLength"/> characters and the organization id, so every name
    /// with a given prefix is one RowKey range of one partition, and the RowKey is the organization's own.
    /// </summary>
    public static (string PartitionKey, string RowKey) NameKey(string organizationId, string normalizedName)
    {
        var folded = NamePrefix(normalizedName);
        return (NamePartition(folded), TableKey.Encode(folded + "|" + organizationId));
    }

    /// <summary>A folded name (or the folded start of one) as name index keys hold it: cut to <see cref="NameKeyLength"/> characters.</summary>
    public static string NamePrefix(string normalizedName)
    {
        ArgumentNullException.ThrowIfNull(normalizedName);
        var cut = new System.Text.StringBuilder();
        var count = 0;
        foreach (var rune in normalizedName.EnumerateRunes())
        {
            if (count++ == NameKeyLength)
            {
                break;
            }

            cut.Append(rune.ToString());
        }

        return cut.ToString().TrimEnd();
    }

    static string NamePartition(string folded) =>
        TableKey.Encode(char.IsHighSurrogate(folded[0]) && folded.Length > 1 ? folded[..2] : folded[..1]);

    /// <summary>The key of a subscription index entity (its own partition, so a claim is one atomic insert).</summary>
    public static (string PartitionKey, string RowKey) SubscriptionKey(string subscriptionId)
    {
        var key = TableKey.Encode(subscriptionId);
        return (key, key);
    }

    /// <summary>
    /// Every user and domain index item an organization implies: one user index item per user, one domain index
    /// item per domain its users are at (when its name has a key). The one derivation of those indexes: writes, bulk
    /// loads and the consistency checker all use it.
    /// </summary>
    public static IReadOnlyList<IndexEntry> EntriesFor(string organizationId, string name, IEnumerable<OrganizationUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var normalizedName = CompanyName.Normalize(name);
        var nameKey = CompanyName.KeyOfNormalized(normalizedName);
        var entries = new List<IndexEntry>();
        var seen = new HashSet<IndexKey>();
        if (normalizedName.Length > 0)
        {
            var (npk, nrk) = NameKey(organizationId, normalizedName);
            entries.Add(new NameIndexEntry(new IndexKey(IndexName.Name, npk, nrk), new NamedOrganization(organizationId, normalizedName)));
        }

        foreach (var user in users)
        {
            var (pk, rk) = UserKey(user.Email);
            var userKey = new IndexKey(IndexName.User, pk, rk);
            if (seen.Add(userKey))
            {
                entries.Add(new UserIndexEntry(userKey, new Membership(organizationId, user.IsFullAdmin)));
            }

            // Several users of one organization at one domain make one entry.
            if (EmailAddress.DomainOf(user.Email) is { } domain && nameKey.Length > 0)
            {
                var (dpk, drk) = DomainKey(domain, nameKey);
                var domainKey = new IndexKey(IndexName.Domain, dpk, drk);
                if (seen.Add(domainKey))
                {
                    entries.Add(new DomainIndexEntry(domainKey, new NamedOrganization(organizationId, normalizedName)));
                }
            }
        }

        return entries;
    }

    /// <summary>Every user and domain index item of a whole organization.</summary>
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
    /// The organizations whose name key starts with a short key (<see cref="CompanyName.IsShortKey"/>) that have a user
    /// at the domain: the key's bounded RowKey range of the domain's partition, never more of the table.
    /// </summary>
    public async Task<IReadOnlyList<NamedOrganization>> GetByDomainAndKeyPrefixAsync(string asciiDomain, string shortKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(shortKey);
        var (pk, from) = DomainKey(asciiDomain, shortKey);
        // Keys of normalized names hold letters, digits and spaces, which TableKey leaves as they are, so the encoded
        // keys that start with the prefix are exactly those in [prefix, prefix with its last character + 1).
        var to = from[..^1] + (char)(from[^1] + 1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {from} and RowKey lt {to}");
        var found = new List<NamedOrganization>();
        await foreach (var entity in domains.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            found.AddRange(ReadItems<NamedOrganization>(entity));
        }

        return found;
    }

    /// <summary>
    /// One page of the organizations with a user at <paramref name="asciiDomain"/>, whatever their name: the domain's
    /// partition of the domain index, read from <paramref name="fromRowKey"/> on, skipping the first
    /// <paramref name="skip"/> organizations of that entity. Returns where the next page starts, or null at the end.
    /// </summary>
    public async Task<(IReadOnlyList<NamedOrganization> Items, (string RowKey, int Skip)? Next)> ListByDomainAsync(string asciiDomain, string? fromRowKey, int skip, int pageSize, CancellationToken cancellationToken)
    {
        var pk = TableKey.Encode(asciiDomain);
        var filter = fromRowKey is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {pk}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {fromRowKey}");
        var page = new List<NamedOrganization>();
        await foreach (var entity in domains.QueryAsync<TableEntity>(filter, maxPerPage: 100, cancellationToken: cancellationToken))
        {
            var items = ReadItems<NamedOrganization>(entity);
            var offset = entity.RowKey == fromRowKey ? skip : 0;
            for (var i = offset; i < items.Count; i++)
            {
                if (page.Count == pageSize)
                {
                    return (page, (entity.RowKey, i));
                }

                page.Add(items[i]);
            }
        }

        return (page, null);
    }

    /// <summary>
    /// One page of the organizations whose folded name starts with <paramref name="normalizedPrefix"/> (a RowKey range of
    /// one partition of the name index), in name order, from <paramref name="fromRowKey"/> on. Returns the RowKey the next
    /// page starts at, or null at the end.
    /// </summary>
    public async Task<(IReadOnlyList<NamedOrganization> Items, string? Next)> ListByNamePrefixAsync(string normalizedPrefix, string? fromRowKey, int pageSize, CancellationToken cancellationToken)
    {
        var prefix = NamePrefix(normalizedPrefix);
        if (prefix.Length == 0)
        {
            return ([], null);
        }

        // Folded names hold letters, digits and spaces, which TableKey leaves as they are, so the keys that start with
        // the prefix are exactly those in [prefix, prefix with its last character + 1).
        var pk = NamePartition(prefix);
        var from = TableKey.Encode(prefix);
        var to = from[..^1] + (char)(from[^1] + 1);
        if (fromRowKey is not null && string.CompareOrdinal(fromRowKey, from) > 0)
        {
            from = fromRowKey;
        }

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {from} and RowKey lt {to}");
        var page = new List<NamedOrganization>();
        await foreach (var entity in namesIndex.QueryAsync<TableEntity>(filter, maxPerPage: pageSize + 1, cancellationToken: cancellationToken))
        {
            if (page.Count == pageSize)
            {
                return (page, entity.RowKey);
            }

            page.AddRange(ReadItems<NamedOrganization>(entity));
        }

        return (page, null);
    }

    /// <summary>The organization that holds a subscription, or null (one point read).</summary>
    public async Task<string?> GetSubscriptionOwnerAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        var (pk, rk) = SubscriptionKey(subscriptionId);
        var entity = await GetAsync(subscriptions, pk, rk, cancellationToken);
        return entity?.GetString(OwnerProperty);
    }

    /// <summary>Every subscription index entity as (subscription key, owner), for the consistency checker.</summary>
    internal async IAsyncEnumerable<(string Key, string Owner)> AllSubscriptionOwnersAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entity in subscriptions.QueryAsync<TableEntity>(select: ["PartitionKey", OwnerProperty], cancellationToken: cancellationToken))
        {
            yield return (entity.PartitionKey, entity.GetString(OwnerProperty) ?? string.Empty);
        }
    }

    /// <summary>
    /// Claims a subscription for an organization: true when it is now (or already was) the organization's; false when
    /// another organization holds it. A claim older than <paramref name="staleAfter"/> whose owner does not list the
    /// subscription (its writer died between claiming and writing) is taken over.
    /// </summary>
    public async Task<bool> ClaimSubscriptionAsync(string subscriptionId, string organizationId, DateTimeOffset now, TimeSpan staleAfter, Func<string, Task<bool>> ownerLists, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerLists);
        var (pk, rk) = SubscriptionKey(subscriptionId);
        for (var attempt = 1; ; attempt++)
        {
            var claim = new TableEntity(pk, rk) { [OwnerProperty] = organizationId, [ClaimedAtProperty] = now };
            try
            {
                // A subscription nobody holds yet (every one of a first import) is claimed by one insert; a conflict reads who holds it.
                var existing = attempt == 1 ? null : await GetAsync(subscriptions, pk, rk, cancellationToken);
                if (existing is null)
                {
                    await subscriptions.AddEntityAsync(claim, cancellationToken);
                    return true;
                }

                var owner = existing.GetString(OwnerProperty);
                if (owner == organizationId)
                {
                    return true;
                }

                var claimedAt = existing.GetDateTimeOffset(ClaimedAtProperty) ?? DateTimeOffset.MinValue;
                if (now - claimedAt < staleAfter || owner is null || await ownerLists(owner))
                {
                    return false;
                }

                await subscriptions.UpdateEntityAsync(claim, existing.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Someone claimed or released it meanwhile: look again.
            }
        }
    }

    /// <summary>Releases a subscription the organization no longer holds (only its own claim; idempotent).</summary>
    public async Task ReleaseSubscriptionAsync(string subscriptionId, string organizationId, CancellationToken cancellationToken)
    {
        var (pk, rk) = SubscriptionKey(subscriptionId);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync(subscriptions, pk, rk, cancellationToken);
            if (existing is null || existing.GetString(OwnerProperty) != organizationId)
            {
                return;
            }

            try
            {
                await subscriptions.DeleteEntityAsync(pk, rk, existing.ETag, cancellationToken);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412 && attempt < MaxAttempts)
            {
            }
        }
    }

    /// <summary>
    /// Makes every index entity in <paramref name="keys"/> hold, for <paramref name="organizationId"/>, exactly its
    /// item among <paramref name="wanted"/> (or none). Each entity is read and written once; an entity left empty is
    /// deleted. With <paramref name="likelyNew"/> (a new organization) an entity is first inserted without a read.
    /// </summary>
    public async Task SetAsync(string organizationId, IEnumerable<IndexKey> keys, IReadOnlyList<IndexEntry> wanted, bool likelyNew, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(wanted);
        var byKey = wanted.ToDictionary(e => e.Key);
        var work = keys.Distinct().Select(key => key.Index switch
        {
            IndexName.User => SetItemAsync(users, key, organizationId, byKey.GetValueOrDefault(key) is UserIndexEntry u ? u.Membership : null, x => x.OrganizationId, likelyNew, cancellationToken),
            IndexName.Name => SetItemAsync(namesIndex, key, organizationId, byKey.GetValueOrDefault(key) is NameIndexEntry n ? n.Organization : null, x => x.OrganizationId, likelyNew, cancellationToken),
            _ => SetItemAsync(domains, key, organizationId, byKey.GetValueOrDefault(key) is DomainIndexEntry d ? d.Organization : null, x => x.OrganizationId, likelyNew, cancellationToken),
        });
        foreach (var chunk in work.Chunk(8))
        {
            await Task.WhenAll(chunk);
        }
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

    /// <summary>A subscription index entity naming its owner (for bulk loads into empty tables).</summary>
    public static TableEntity CreateSubscriptionEntity(string subscriptionId, string organizationId, DateTimeOffset claimedAt)
    {
        var (pk, rk) = SubscriptionKey(subscriptionId);
        return new TableEntity(pk, rk) { [OwnerProperty] = organizationId, [ClaimedAtProperty] = claimedAt };
    }

    static async Task<TableEntity?> GetAsync(TableClient table, string pk, string rk, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    // Read-modify-write under optimistic concurrency: a concurrent writer (another organization sharing the entity)
    // makes ours fail with 412/409, and we retry on fresh data.
    static async Task SetItemAsync<T>(TableClient table, IndexKey key, string organizationId, T? item, Func<T, string> owner, bool tryInsertFirst, CancellationToken cancellationToken)
        where T : class
    {
        if (tryInsertFirst && item is not null)
        {
            try
            {
                await table.AddEntityAsync(CreateEntity(key.PartitionKey, key.RowKey, [item]), cancellationToken);
                return;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Shared with another organization: merge below.
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync(table, key.PartitionKey, key.RowKey, cancellationToken);
            var items = existing is null ? [] : ReadItems<T>(existing).ToList();
            var others = items.Where(i => owner(i) != organizationId).ToList();
            var next = item is null ? others : [.. others, item];
            if (next.Count == items.Count && next.All(items.Contains))
            {
                return;
            }

            try
            {
                if (existing is null)
                {
                    await table.AddEntityAsync(CreateEntity(key.PartitionKey, key.RowKey, next), cancellationToken);
                }
                else if (next.Count == 0)
                {
                    await table.DeleteEntityAsync(key.PartitionKey, key.RowKey, existing.ETag, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(CreateEntity(key.PartitionKey, key.RowKey, next), existing.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 10 + (10 * Math.Min(attempt, 10)))), cancellationToken);
            }
        }
    }
}
