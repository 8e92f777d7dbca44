using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Bench;

/// <summary>
/// The obvious implementation without the index tables, as the baseline: it filters the Organizations table.
/// <list type="number">
/// <item>One query over the whole table: the organization rows whose NormalizedName has the submission's
/// key (<c>NormalizedName ge key and NormalizedName lt key+1</c>: a 5-character key, or a short one such as "hp "
/// that every name starting with it matches; the whole name for a free-mail domain), or'ed with the admin email's own user rows in every organization
/// (<c>RowKey eq 'user|email'</c>).</item>
/// <item>Rule A, when one of those user rows is a full admin: one query for the administered organizations'
/// rows (<c>RowKey eq 'org' and (PartitionKey eq … or …)</c>), and done.</item>
/// <item>Rule B otherwise: the user rows of the organizations found by name, to see whether one shares the
/// admin's domain (<c>RowKey ge 'user|' and RowKey lt 'user}' and (PartitionKey eq … or …)</c>, up to
/// <see cref="PartitionsPerQuery"/> organizations per query, one query after another), and the rows of
/// organizations the address belongs to that the name did not find (one more such query).</item>
/// </list>
/// The evidence then goes through the product's <see cref="MatchingRules.Decide"/>, so its answers must equal
/// the indexed matcher's (the benchmark checks every one). Every filter is built with
/// <see cref="TableClient.CreateQueryFilter(FormattableString)"/>.
/// </summary>
internal sealed class NaiveMatcher(TableServiceClient service, TableNames names, MatchingPolicy policy, DateTimeOffset now)
{
    /// <summary>How many organizations one partition filter names (the URL stays under 8 KB).</summary>
    public const int PartitionsPerQuery = 100;

    // Organization rows have RowKey "org|" + partition key; '}' follows '|'.
    static readonly string OrganizationRowsFilter = TableClient.CreateQueryFilter($"RowKey ge {"org|"} and RowKey lt {"org}"}");

    readonly TableClient table = service.GetTableClient(names.Organizations);

    /// <summary>How many queries the last submission made.</summary>
    public int LastQueries { get; private set; }

    /// <summary>How many organizations the last submission looked at.</summary>
    public int LastOrganizations { get; private set; }

    /// <summary>Matches by querying.</summary>
    public async Task<MatchResult> MatchAsync(Submission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        LastQueries = 0;
        var freeMail = policy.FreeMailDomains.Contains(submission.AdminEmail.Domain);
        var key = submission.NameKey;
        var byName = freeMail
            ? TableClient.CreateQueryFilter($"NormalizedName eq {submission.NormalizedName}")
            : TableClient.CreateQueryFilter($"NormalizedName ge {key} and NormalizedName lt {Successor(key)}");
        byName = $"{OrganizationRowsFilter} and {byName}";
        var asUser = TableClient.CreateQueryFilter($"RowKey eq {OrganizationRows.UserRowKey(submission.AdminEmail.Value)}");

        var named = new Dictionary<string, OrganizationSummary>(StringComparer.Ordinal);
        var memberships = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var row in await QueryAsync($"({byName}) or ({asUser})", cancellationToken))
        {
            if (OrganizationRows.IsOrganizationRow(row.RowKey))
            {
                named[row.PartitionKey] = OrganizationRows.ReadSummary(row);
            }
            else
            {
                memberships[row.PartitionKey] = OrganizationRows.ReadUser(row).IsFullAdmin;
            }
        }

        // Rule A needs nothing but the administered organizations.
        var administered = memberships.Where(m => m.Value).Select(m => m.Key).ToList();
        if (administered.Count > 0)
        {
            var rows = await ReadOrganizationRowsAsync(administered, cancellationToken);
            LastOrganizations = rows.Count;
            return MatchingRules.Decide(submission, rows.Select(s => Evidence(s, isAdmin: true, isMember: true, sharesDomain: true)), policy, now);
        }

        // Rule B: which organizations found by name have a user at the admin's domain.
        var sharing = new HashSet<string>(StringComparer.Ordinal);
        var users = TableClient.CreateQueryFilter($"RowKey ge {"user|"} and RowKey lt {"user}"}");
        foreach (var chunk in named.Keys.Order(StringComparer.Ordinal).Chunk(PartitionsPerQuery))
        {
            foreach (var row in await QueryAsync($"{users} and ({AnyPartition(chunk)})", cancellationToken))
            {
                if (EmailAddress.DomainOf(row.GetString("Email") ?? string.Empty) == submission.AdminEmail.Domain)
                {
                    sharing.Add(row.PartitionKey);
                }
            }
        }

        var memberOnly = memberships.Keys.Where(pk => !named.ContainsKey(pk)).ToList();
        var members = memberOnly.Count == 0 ? [] : await ReadOrganizationRowsAsync(memberOnly, cancellationToken);
        LastOrganizations = named.Count + members.Count;
        var evidence = named.Select(n => Evidence(n.Value, isAdmin: false, memberships.ContainsKey(n.Key), memberships.ContainsKey(n.Key) || sharing.Contains(n.Key)))
            .Concat(members.Select(s => Evidence(s, isAdmin: false, isMember: true, sharesDomain: true)));
        return MatchingRules.Decide(submission, evidence, policy, now);
    }

    async Task<List<OrganizationSummary>> ReadOrganizationRowsAsync(List<string> partitions, CancellationToken cancellationToken)
    {
        var summaries = new List<OrganizationSummary>(partitions.Count);
        foreach (var chunk in partitions.Chunk(PartitionsPerQuery))
        {
            var filter = $"{OrganizationRowsFilter} and ({AnyPartition(chunk)})";
            summaries.AddRange((await QueryAsync(filter, cancellationToken)).Select(OrganizationRows.ReadSummary));
        }

        return summaries;
    }

    async Task<List<TableEntity>> QueryAsync(string filter, CancellationToken cancellationToken)
    {
        LastQueries++;
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    // A member organization has the entered address among its users, so it shares the domain (as in the indexed matcher).
    static OrganizationEvidence Evidence(OrganizationSummary summary, bool isAdmin, bool isMember, bool sharesDomain) =>
        new(summary, CompanyName.Normalize(summary.Name), isAdmin, isMember, sharesDomain);

    static string AnyPartition(IEnumerable<string> partitions) =>
        string.Join(" or ", partitions.Select(pk => TableClient.CreateQueryFilter($"PartitionKey eq {pk}")));

    // The smallest string greater than every string starting with the key.
    static string Successor(string key) => key[..^1] + (char)(key[^1] + 1);
}
