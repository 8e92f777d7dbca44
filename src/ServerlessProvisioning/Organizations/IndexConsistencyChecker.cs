using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// Walks the Organizations table and the indexes and reports every disagreement: an organization whose pages
/// do not join, an index entry missing, extra or stale. An operations and test tool: it scans whole tables.
/// </summary>
public sealed class IndexConsistencyChecker(TableServiceClient service, TableNames names)
{
    /// <summary>Every problem found; empty when the indexes agree with their source.</summary>
    public async Task<IReadOnlyList<string>> CheckAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var partitions = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        await foreach (var row in service.GetTableClient(names.Organizations).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            if (!partitions.TryGetValue(row.PartitionKey, out var rows))
            {
                partitions[row.PartitionKey] = rows = [];
            }

            rows.Add(row);
        }

        var expectedUsers = new Dictionary<(string, string), HashSet<Membership>>();
        var expectedSubscriptions = new Dictionary<(string, string), HashSet<string>>();
        var expectedDomains = new Dictionary<(string, string), HashSet<NamedOrganization>>();
        var expectedNames = new Dictionary<(string, string), HashSet<NamedOrganization>>();
        foreach (var (pk, rows) in partitions)
        {
            Organization? organization;
            try
            {
                organization = OrganizationRows.Assemble(rows);
            }
            catch (TornOrganizationException)
            {
                problems.Add($"Organizations/{pk}: its row names pages that are missing or of another version.");
                continue;
            }

            if (organization is null && rows.All(r => OrganizationRows.IsLockRow(r.RowKey) && r.GetDateTimeOffset("ExpiresAt") >= DateTimeOffset.UtcNow))
            {
                // Being created right now.
                continue;
            }

            if (organization is null)
            {
                problems.Add($"Organizations/{pk}: rows without an organization row.");
                continue;
            }

            var head = rows.Single(r => OrganizationRows.IsOrganizationRow(r.RowKey));
            var named = Enumerable.Range(1, OrganizationRows.PageCount(head)).Select(i => OrganizationRows.PageRowKey(pk, i)).ToHashSet(StringComparer.Ordinal);
            if (rows.Any(r => OrganizationRows.IsPageRow(r.RowKey) && !named.Contains(r.RowKey)))
            {
                problems.Add($"Organizations/{pk}: page rows its row does not name.");
            }

            if (rows.FirstOrDefault(r => OrganizationRows.IsLockRow(r.RowKey)) is { } writeLock && writeLock.GetDateTimeOffset("ExpiresAt") < DateTimeOffset.UtcNow)
            {
                problems.Add($"Organizations/{pk}: a write lock lapsed (its writer died); the next write to the organization repairs its index entries.");
            }

            foreach (var subscription in organization.Subscriptions)
            {
                Add(expectedSubscriptions, OrganizationIndexes.SubscriptionKey(subscription.Id), organization.Id);
            }

            foreach (var entry in OrganizationIndexes.EntriesFor(organization))
            {
                switch (entry)
                {
                    case UserIndexEntry user:
                        Add(expectedUsers, (user.Key.PartitionKey, user.Key.RowKey), user.Membership);
                        break;
                    case DomainIndexEntry domain:
                        Add(expectedDomains, (domain.Key.PartitionKey, domain.Key.RowKey), domain.Organization);
                        break;
                    case NameIndexEntry name:
                        Add(expectedNames, (name.Key.PartitionKey, name.Key.RowKey), name.Organization);
                        break;
                }
            }
        }

        var actualUsers = new Dictionary<(string, string), HashSet<Membership>>();
        await foreach (var entity in service.GetTableClient(names.UserIndex).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            actualUsers[(entity.PartitionKey, entity.RowKey)] = [.. OrganizationIndexes.ReadItems<Membership>(entity)];
        }

        var actualDomains = new Dictionary<(string, string), HashSet<NamedOrganization>>();
        await foreach (var entity in service.GetTableClient(names.DomainIndex).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            actualDomains[(entity.PartitionKey, entity.RowKey)] = [.. OrganizationIndexes.ReadItems<NamedOrganization>(entity)];
        }

        var actualNames = new Dictionary<(string, string), HashSet<NamedOrganization>>();
        await foreach (var entity in service.GetTableClient(names.NameIndex).QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            actualNames[(entity.PartitionKey, entity.RowKey)] = [.. OrganizationIndexes.ReadItems<NamedOrganization>(entity)];
        }

        var actualSubscriptions = new Dictionary<(string, string), HashSet<string>>();
        await foreach (var (key, owner) in new OrganizationIndexes(service, names).AllSubscriptionOwnersAsync(cancellationToken))
        {
            actualSubscriptions[(key, key)] = [owner];
        }

        Compare("UserIndex", expectedUsers, actualUsers, problems);
        Compare("SubscriptionIndex", expectedSubscriptions, actualSubscriptions, problems);
        Compare("DomainIndex", expectedDomains, actualDomains, problems);
        Compare("NameIndex", expectedNames, actualNames, problems);
        return problems;
    }

    static void Add<TKey, TItem>(Dictionary<TKey, HashSet<TItem>> map, TKey key, TItem item)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var set))
        {
            map[key] = set = [];
        }

        set.Add(item);
    }

    static void Compare<TKey, TItem>(string index, Dictionary<TKey, HashSet<TItem>> expected, Dictionary<TKey, HashSet<TItem>> actual, List<string> problems)
        where TKey : notnull
    {
        foreach (var key in expected.Keys.Union(actual.Keys))
        {
            var want = expected.GetValueOrDefault(key) ?? [];
            var have = actual.GetValueOrDefault(key) ?? [];
            foreach (var missing in want.Except(have))
            {
                problems.Add($"{index}/{key}: missing {missing}.");
            }

            foreach (var extra in have.Except(want))
            {
                problems.Add($"{index}/{key}: has {extra}, which its source does not.");
            }
        }
    }
}
