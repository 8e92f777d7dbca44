using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Bench;

/// <summary>
/// The obvious implementation without the index tables, as the baseline. An organization's users live inside its
/// row (<see cref="OrganizationRows"/>), so without an index the only way to learn which organizations an address
/// belongs to, or which have a user at its domain, is to read them all: one query over the whole Organizations
/// table, every row read and its users looked at. The evidence then goes through the product's
/// <see cref="MatchingRules.Decide"/>, so its answers must equal the indexed matcher's (the benchmark checks every one).
/// </summary>
internal sealed class NaiveMatcher(TableServiceClient service, TableNames names, MatchingPolicy policy, DateTimeOffset now)
{
    // Organization rows have RowKey "org|" + partition key; '}' follows '|'.
    static readonly string OrganizationRowsFilter = TableClient.CreateQueryFilter($"RowKey ge {"org|"} and RowKey lt {"org}"}");

    readonly TableClient table = service.GetTableClient(names.Organizations);
    readonly OrganizationStore store = new(service, names);

    /// <summary>How many queries the last submission made.</summary>
    public int LastQueries { get; private set; }

    /// <summary>How many organizations the last submission looked at.</summary>
    public int LastOrganizations { get; private set; }

    /// <summary>Matches by reading every organization.</summary>
    public async Task<MatchResult> MatchAsync(Submission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        LastQueries = 1;
        LastOrganizations = 0;
        var freeMail = policy.FreeMailDomains.Contains(submission.AdminEmail.Domain);
        var key = submission.NameKey;
        var administered = new List<OrganizationEvidence>();
        var evidence = new List<OrganizationEvidence>();
        await foreach (var row in table.QueryAsync<TableEntity>(OrganizationRowsFilter, cancellationToken: cancellationToken))
        {
            LastOrganizations++;
            var organization = OrganizationRows.PageCount(row) == 0
                ? OrganizationRows.Assemble([row])!
                : (await store.GetAsync(row.GetString("Id"), cancellationToken))!;
            var normalizedName = row.GetString("NormalizedName") ?? string.Empty;
            var named = freeMail
                ? normalizedName == submission.NormalizedName
                : string.CompareOrdinal(normalizedName, key) >= 0 && string.CompareOrdinal(normalizedName, Successor(key)) < 0;
            var user = organization.Users.FirstOrDefault(u => u.Email == submission.AdminEmail.Value);
            if (user is { IsFullAdmin: true })
            {
                administered.Add(Evidence(organization, isAdmin: true, isMember: true, sharesDomain: true));
            }
            else if (named || user is not null)
            {
                var sharesDomain = user is not null || organization.Users.Any(u => EmailAddress.DomainOf(u.Email) == submission.AdminEmail.Domain);
                evidence.Add(Evidence(organization, isAdmin: false, isMember: user is not null, sharesDomain));
            }
        }

        // Rule A needs nothing but the administered organizations.
        return MatchingRules.Decide(submission, administered.Count > 0 ? administered : evidence, policy, now);
    }

    // A member organization has the entered address among its users, so it shares the domain (as in the indexed matcher).
    static OrganizationEvidence Evidence(Organization organization, bool isAdmin, bool isMember, bool sharesDomain) =>
        new(organization.Summarize(), CompanyName.Normalize(organization.Name), isAdmin, isMember, sharesDomain);

    // The smallest string greater than every string starting with the key.
    static string Successor(string key) => key[..^1] + (char)(key[^1] + 1);
}
