using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.UnitTests.Matching;

public class MatchingRulesTests
{
    // MatchingWorld lives in ServerlessProvisioning.Testing; xunit's MemberData analyzer fails on a member of another
    // assembly, so the table is named here.
    public static TheoryData<string, string, MatchKind, string[], string, bool> Cases => MatchingWorld.Cases;

    public static TheoryData<string, string, OrganizationType, MatchKind, string[]> TypeCases => MatchingWorld.TypeCases;

    static readonly MatchingPolicy Policy = MatchingPolicy.Default;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reference_rules_decide_as_the_spec_says(string companyName, string email, MatchKind kind, string[] ids, string firstMatchedBy, bool notice)
    {
        var result = ReferenceMatcher.Match(MatchingWorld.Submit(companyName, email), MatchingWorld.Organizations, Policy, MatchingWorld.Now);

        MatchingWorld.AssertMatches(result, kind, ids, firstMatchedBy, notice);
    }

    [Fact]
    public void Rule_A_assigns_to_the_administered_organization_and_shows_it()
    {
        var result = ReferenceMatcher.Match(MatchingWorld.Submit("x", "ana@acme.com"), MatchingWorld.Organizations, Policy, MatchingWorld.Now);

        Assert.NotNull(result.AssignTo);
        Assert.Equal("Acme Corporation", result.AssignTo.Name);
        Assert.Equal(1, result.AssignTo.ActiveSubscriptions);
        Assert.Equal(2, result.AssignTo.Users);
        Assert.Equal([new AdminContact("ana@acme.com", "Ana Ruiz")], result.AssignTo.FullAdmins);
    }

    [Fact]
    public void Members_come_before_more_active_organizations()
    {
        var member = Evidence("m", "Zeta", active: 0, users: 1, member: true);
        var busy = Evidence("b", "Zeta Busy", active: 9, users: 90, member: false);
        var result = MatchingRules.Decide(MatchingWorld.Submit("Zeta Co", "carol@zeta.com"), [busy, member], Policy, MatchingWorld.Now);

        Assert.Equal(["m", "b"], result.Candidates.Select(c => c.OrganizationId));
    }

    [Fact]
    public void Ties_on_activity_go_to_more_users_then_the_older_organization()
    {
        var a = Evidence("a", "Acme A", active: 1, users: 5, created: "2020-01-01");
        var b = Evidence("b", "Acme B", active: 1, users: 7, created: "2021-01-01");
        var c = Evidence("c", "Acme C", active: 1, users: 5, created: "2019-01-01");
        var result = MatchingRules.Decide(MatchingWorld.Submit("Acme Z", "n@acme.com"), [a, b, c], Policy, MatchingWorld.Now);

        Assert.Equal(["b", "c", "a"], result.Candidates.Select(x => x.OrganizationId));
    }

    [Theory]
    [InlineData(2, 5, "2026-01-01", UsageAssessment.InUse, "HasActiveSubscriptions,SeveralUsers,CreatedRecently")]
    [InlineData(1, 2, "2010-01-01", UsageAssessment.InUse, "HasActiveSubscriptions,SeveralUsers,CreatedLongAgo")]
    [InlineData(1, 1, "2010-01-01", UsageAssessment.Unclear, "HasActiveSubscriptions,FewUsers,CreatedLongAgo")]
    [InlineData(0, 40, "2010-01-01", UsageAssessment.PossiblyAbandoned, "NoActiveSubscription,SeveralUsers,CreatedLongAgo")]
    [InlineData(0, 1, "2026-06-01", UsageAssessment.Unclear, "NoActiveSubscription,FewUsers,CreatedRecently")]
    [InlineData(0, 0, "2025-10-31", UsageAssessment.PossiblyAbandoned, "NoActiveSubscription,FewUsers,CreatedLongAgo")]
    [InlineData(0, 0, "2025-11-02", UsageAssessment.Unclear, "NoActiveSubscription,FewUsers,CreatedRecently")]
    public void Assessment_uses_activity_users_and_age(int active, int users, string created, UsageAssessment expected, string reasons)
    {
        var summary = new OrganizationSummary("o", "O", OrganizationType.Customer, DateTimeOffset.Parse(created + "T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), active, users, []);

        var (assessment, why) = MatchingRules.Assess(summary, MatchingWorld.Now, TimeSpan.FromDays(365));

        Assert.Equal(expected, assessment);
        Assert.Equal(reasons, string.Join(',', why));
    }

    [Fact]
    public void The_abandonment_age_is_configurable()
    {
        var summary = new OrganizationSummary("o", "O", OrganizationType.Customer, MatchingWorld.Now.AddDays(-40), 0, 1, []);

        Assert.Equal(UsageAssessment.Unclear, MatchingRules.Assess(summary, MatchingWorld.Now, TimeSpan.FromDays(365)).Assessment);
        Assert.Equal(UsageAssessment.PossiblyAbandoned, MatchingRules.Assess(summary, MatchingWorld.Now, TimeSpan.FromDays(30)).Assessment);
    }

    [Fact]
    public void Free_mail_domains_are_configurable()
    {
        var policy = Policy with { FreeMailDomains = FreeMailDomains.FromSetting("acme.com, Bücher.de") };

        var result = ReferenceMatcher.Match(MatchingWorld.Submit("ACME Ltd", "new@acme.com"), MatchingWorld.Organizations, policy, MatchingWorld.Now);

        Assert.Empty(result.Candidates);
        Assert.NotNull(result.Notice);
        Assert.True(policy.FreeMailDomains.Contains("xn--bcher-kva.de"));
        Assert.False(policy.FreeMailDomains.Contains("gmail.com"));
    }

    [Fact]
    public void Rule_A_is_unchanged_for_free_mail_addresses()
    {
        var result = ReferenceMatcher.Match(MatchingWorld.Submit("Unrelated name", "smith@gmail.com"), MatchingWorld.Organizations, Policy, MatchingWorld.Now);

        Assert.Equal(MatchKind.AdminOfOne, result.Kind);
        Assert.Equal("org-gmail-1", result.AssignTo!.OrganizationId);
        Assert.Null(result.Notice);
    }

    [Fact]
    public void Candidate_lists_are_bounded()
    {
        var many = Enumerable.Range(0, 80).Select(i => Evidence($"o{i:00}", $"Acme {i}", active: i % 3, users: i));
        var result = MatchingRules.Decide(MatchingWorld.Submit("Acme Z", "n@acme.com"), many, Policy, MatchingWorld.Now);

        Assert.Equal(25, result.Candidates.Count);
        Assert.Equal(80 - 25, result.OmittedCandidates);
        Assert.Equal(2, result.Candidates[0].ActiveSubscriptions);
    }

    [Fact]
    public void An_admin_of_many_organizations_sees_at_most_25_and_the_count_of_the_rest()
    {
        var administered = Enumerable.Range(0, 30).Select(i => Evidence($"o{i:00}", $"Unrelated {i}", active: 1, users: i) with { AdminIsAdmin = true, AdminIsMember = true });
        var result = MatchingRules.Decide(MatchingWorld.Submit("Whatever", "n@acme.com"), administered, Policy, MatchingWorld.Now);

        Assert.Equal((MatchKind.AdminOfSeveral, 25, 5), (result.Kind, result.Candidates.Count, result.OmittedCandidates));
    }

    [Fact]
    public void Candidates_past_the_byte_budget_are_counted_as_omitted()
    {
        var many = Enumerable.Range(0, 25).Select(i => Evidence($"o{i:00}", $"Acme {i} " + new string('株', 150), active: 1, users: 25 - i));
        var all = MatchingRules.Decide(MatchingWorld.Submit("Acme", "n@acme.com"), many, Policy, MatchingWorld.Now);

        var fitted = MatchingRules.FitTo(all, maxBytes: 4 * 1024);

        Assert.InRange(fitted.Candidates.Count, 1, 24);
        Assert.Equal(all.Candidates.Take(fitted.Candidates.Count), fitted.Candidates);
        Assert.Equal(25, fitted.Candidates.Count + fitted.OmittedCandidates);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(ServerlessProvisioning.Primitives.Json.Serialize(fitted.Candidates)) <= 4 * 1024);
    }

    [Fact]
    public void A_candidate_lists_five_full_admins_and_counts_them_all()
    {
        var admins = Enumerable.Range(0, 400).Select(i => new AdminContact($"admin{i:000}@acme.com", $"Admin {i}")).ToList();
        var big = Evidence("big", "Acme", active: 1, users: 400) with { Organization = Evidence("big", "Acme", active: 1, users: 400).Organization with { FullAdmins = admins } };
        var result = MatchingRules.Decide(MatchingWorld.Submit("Acme", "n@acme.com"), [big], Policy, MatchingWorld.Now);

        var candidate = Assert.Single(result.Candidates);
        Assert.Equal(admins.Take(5), candidate.FullAdmins);
        Assert.Equal(400, candidate.FullAdminCount);
        Assert.Equal(0, result.OmittedCandidates);
    }

    [Theory]
    [InlineData("---", "a@acme.com", "companyName")]
    [InlineData("   ", "a@acme.com", "companyName")]
    [InlineData("", "a@acme.com", "companyName")]
    [InlineData("Acme", "not-an-email", "adminEmail")]
    [InlineData("Acme\u0007", "a@acme.com", "companyName")]
    public void Invalid_submissions_name_the_field(string companyName, string email, string field)
    {
        Assert.False(SubmissionValidator.TryCreate(companyName, email, out _, out var errors));
        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void Over_long_company_names_are_rejected() =>
        Assert.False(SubmissionValidator.TryCreate(new string('a', CompanyName.MaxLength + 1), "a@acme.com", out _, out _));

    [Fact]
    public void Submissions_are_trimmed() =>
        Assert.Equal("Acme", MatchingWorld.Submit("  Acme ", "a@acme.com").CompanyName);

    static OrganizationEvidence Evidence(string id, string name, int active = 0, int users = 1, bool member = false, string created = "2020-01-01") =>
        new(
            new OrganizationSummary(id, name, OrganizationType.Customer, DateTimeOffset.Parse(created + "T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), active, users, []),
            CompanyName.Normalize(name),
            AdminIsAdmin: false,
            AdminIsMember: member,
            SharesEmailDomain: true);

    [Theory]
    [MemberData(nameof(TypeCases))]
    public void Only_organizations_of_the_scenarios_type_are_considered(string companyName, string email, OrganizationType type, MatchKind kind, string[] ids)
    {
        var result = ReferenceMatcher.Match(MatchingWorld.Submit(companyName, email), MatchingWorld.Organizations, Policy, MatchingWorld.Now, type);

        Assert.Equal(kind, result.Kind);
        Assert.Equal(ids, result.Candidates.Select(c => c.OrganizationId));
    }
}
