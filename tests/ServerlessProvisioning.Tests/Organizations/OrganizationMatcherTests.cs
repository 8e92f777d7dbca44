using Microsoft.Extensions.Time.Testing;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Organizations;

/// <summary>The indexed matcher on Azurite must decide exactly as the reference rules do.</summary>
public class OrganizationMatcherTests(AzuriteFixture azurite)
{
    // MatchingWorld lives in ServerlessProvisioning.Testing; xunit's MemberData analyzer fails on a member of another
    // assembly, so the table is named here.
    public static TheoryData<string, string, MatchKind, string[], string, bool> Cases => MatchingWorld.Cases;

    public static TheoryData<string, string, OrganizationType, MatchKind, string[]> TypeCases => MatchingWorld.TypeCases;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<OrganizationMatcher> WorldAsync(IReadOnlyList<Organization> organizations, MatchingPolicy? policy = null)
    {
        var names = await azurite.CreateTablesAsync();
        var store = new OrganizationStore(azurite.Tables, names);
        await new OrganizationImporter(store).ImportAsync(organizations, Ct);
        return new OrganizationMatcher(store, policy ?? MatchingPolicy.Default, new FakeTimeProvider(MatchingWorld.Now));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Indexed_matching_decides_as_the_spec_says(string companyName, string email, MatchKind kind, string[] ids, string firstMatchedBy, bool notice)
    {
        var matcher = await WorldAsync(MatchingWorld.Organizations);

        var result = await matcher.MatchAsync(MatchingWorld.Submit(companyName, email), Ct);

        MatchingWorld.AssertMatches(result, kind, ids, firstMatchedBy, notice);
    }

    [Fact]
    public async Task Indexed_matching_equals_the_reference_on_random_organizations()
    {
        var random = new Random(20261125);
        string[] stems = ["Acme", "Acmé", "ACME", "Globex", "Globe", "Initech", "Umbrella", "Umbra", "Telefónica", "Telef"];
        string[] domains = ["acme.com", "globex.com", "gmail.com", "umbrella.io", "telefonica.es", "bücher.de"];
        var organizations = Enumerable.Range(0, 120).Select(i => new Organization(
            $"org-{i}",
            $"{stems[random.Next(stems.Length)]} {(random.Next(3) == 0 ? "Corp" : "Ltd " + i)}",
            random.Next(2) == 0 ? OrganizationType.Customer : OrganizationType.Partner,
            MatchingWorld.Now.AddDays(-random.Next(3000)),
            Enumerable.Range(0, random.Next(1, 5)).Select(u => new OrganizationUser(
                $"user{random.Next(40)}@{domains[random.Next(domains.Length)]}", null, random.Next(3) == 0 ? [UserRole.FullAdmin] : []))
                .DistinctBy(u => u.Email).ToList(),
            Enumerable.Range(0, random.Next(0, 3)).Select(s => new OrganizationSubscription($"s{i}-{s}", random.Next(2) == 0 ? SubscriptionStatus.Active : SubscriptionStatus.Expired)).ToList()))
            .ToList();
        var matcher = await WorldAsync(organizations);

        for (var n = 0; n < 150; n++)
        {
            var submission = MatchingWorld.Submit($"{stems[random.Next(stems.Length)]} {(random.Next(2) == 0 ? "Corp" : "Inc")}", $"user{random.Next(40)}@{domains[random.Next(domains.Length)]}");

            var indexed = await matcher.MatchAsync(submission, Ct);
            var reference = ReferenceMatcher.Match(submission, organizations, MatchingPolicy.Default, MatchingWorld.Now);

            Assert.Equal(reference.Kind, indexed.Kind);
            Assert.Equal(reference.Notice, indexed.Notice);
            Assert.Equal(
                reference.Candidates.Select(c => $"{c.OrganizationId}:{string.Join('+', c.MatchedBy)}:{c.Assessment}:{c.Users}:{c.ActiveSubscriptions}"),
                indexed.Candidates.Select(c => $"{c.OrganizationId}:{string.Join('+', c.MatchedBy)}:{c.Assessment}:{c.Users}:{c.ActiveSubscriptions}"));
        }
    }

    [Theory]
    [MemberData(nameof(TypeCases))]
    public async Task Indexed_matching_considers_only_organizations_of_the_scenarios_type(string companyName, string email, OrganizationType type, MatchKind kind, string[] ids)
    {
        var matcher = await WorldAsync(MatchingWorld.Organizations);

        var result = await matcher.MatchAsync(MatchingWorld.Submit(companyName, email), Ct, type);

        Assert.Equal(kind, result.Kind);
        Assert.Equal(ids, result.Candidates.Select(c => c.OrganizationId));
    }
}
