using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using Xunit;

namespace ServerlessProvisioning.Testing;

/// <summary>
/// A small world of organizations and the decisions SPEC §2 expects for submissions against it. The same
/// table runs against the reference rules (pure, in ServerlessProvisioning.UnitTests) and against the indexed store on
/// Azurite (in ServerlessProvisioning.Tests).
/// </summary>
public static class MatchingWorld
{
    public static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    static OrganizationUser Admin(string email, string? name = null) => new(email, name, [UserRole.FullAdmin]);

    static OrganizationUser User(string email) => new(email);

    static OrganizationSubscription Active(string id) => new(id, SubscriptionStatus.Active);

    static OrganizationSubscription Expired(string id) => new(id, SubscriptionStatus.Expired);

    static Organization Org(string id, string name, OrganizationType type, string created, OrganizationUser[] users, params OrganizationSubscription[] subscriptions) =>
        new(id, name, type, DateTimeOffset.Parse(created, System.Globalization.CultureInfo.InvariantCulture), users, subscriptions);

    public static IReadOnlyList<Organization> Organizations { get; } =
    [
        Org("org-acme", "Acme Corporation", OrganizationType.Customer, "2019-03-01T00:00:00Z", [Admin("ana@acme.com", "Ana Ruiz"), User("bob@acme.com")], Active("sub-1"), Expired("sub-0")),
        Org("org-acme-old", "ACME, Inc.", OrganizationType.Customer, "2012-01-01T00:00:00Z", [Admin("old@acme.com")]),
        Org("org-acme-labs", "Acme Labs", OrganizationType.Partner, "2021-05-01T00:00:00Z", [Admin("lab@acmelabs.io")], Active("sub-l")),
        Org("org-acme-es", "Acme España", OrganizationType.Customer, "2022-02-02T00:00:00Z", [Admin("maria@acme.com"), User("x@acme.com"), User("y@acme.com")], Active("sub-e1"), Active("sub-e2")),
        Org("org-tel", "Telefónica S.A.", OrganizationType.Customer, "2015-01-01T00:00:00Z", [Admin("admin@telefonica.es")]),
        Org("org-tel2", "TELEFONICA DIGITAL", OrganizationType.Partner, "2018-01-01T00:00:00Z", [Admin("partner@telefonica.es")], Active("sub-t")),
        Org("org-bucher", "Bücher GmbH", OrganizationType.Customer, "2020-01-01T00:00:00Z", [Admin("chef@bücher.de")]),
        Org("org-kabu", "株式会社トヨタ", OrganizationType.Customer, "2020-01-01T00:00:00Z", [Admin("admin@toyota.jp")]),
        Org("org-multi-1", "Globex One", OrganizationType.Customer, "2020-01-01T00:00:00Z", [Admin("boss@globex.com"), User("w@globex.com")], Active("sub-g1")),
        Org("org-multi-2", "Initech", OrganizationType.Customer, "2020-01-01T00:00:00Z", [Admin("BOSS@globex.com")]),
        Org("org-gmail-1", "Smith Plumbing", OrganizationType.Customer, "2023-01-01T00:00:00Z", [Admin("smith@gmail.com")]),
        Org("org-gmail-2", "Smith Plumbing & Heating", OrganizationType.Customer, "2023-01-01T00:00:00Z", [Admin("other@gmail.com")]),
        Org("org-member", "Zeta Corp", OrganizationType.Customer, "2020-01-01T00:00:00Z", [Admin("zadmin@zeta.com"), User("carol@zeta.com")]),
        Org("org-ibm", "IBM", OrganizationType.Customer, "2020-01-01T00:00:00Z", [Admin("a@ibm.com")]),
        Org("org-ibm-corp", "IBM Corp", OrganizationType.Customer, "2020-01-01T00:00:00Z", [Admin("b@ibm.com")]),
        Org("org/odd#key?\\", "Odd/Name#Co", OrganizationType.Partner, "2020-01-01T00:00:00Z", [Admin("odd@odd.com")]),
    ];

    /// <summary>company name, admin email, expected kind, expected candidate ids in order, the first candidate's matchedBy, whether a notice is expected.</summary>
    public static TheoryData<string, string, MatchKind, string[], string, bool> Cases => new()
    {
        { "Anything at all", "ana@acme.com", MatchKind.AdminOfOne, ["org-acme"], "AdminIsMember", false },
        { "Anything", " ANA@Acme.com ", MatchKind.AdminOfOne, ["org-acme"], "AdminIsMember", false },
        { "Globex", "boss@globex.com", MatchKind.AdminOfSeveral, ["org-multi-1", "org-multi-2"], "AdminIsMember", false },
        { "ACME Ltd", "new@acme.com", MatchKind.Candidates, ["org-acme-es", "org-acme", "org-acme-old"], "NamePrefix,EmailDomain", false },
        { "Acme", "new@acme.com", MatchKind.Candidates, ["org-acme-es", "org-acme", "org-acme-old"], "NamePrefix,EmailDomain", false },
        { "Acmeware", "new@acme.com", MatchKind.Candidates, [], "", false },
        { "Acme Corporation", "new@other.com", MatchKind.Candidates, [], "", false },
        { "Acme Corporation", "new@mail.acme.com", MatchKind.Candidates, [], "", false },
        { "Totally Different", "carol@zeta.com", MatchKind.Candidates, ["org-member"], "AdminIsMember,EmailDomain", false },
        { "Zeta Corporation", "carol@zeta.com", MatchKind.Candidates, ["org-member"], "AdminIsMember,NamePrefix,EmailDomain", false },
        { "Smith Plumbing", "jane@gmail.com", MatchKind.Candidates, ["org-gmail-1"], "NamePrefix,EmailDomain,FullName", true },
        { "smith  PLUMBING!", "jane@gmail.com", MatchKind.Candidates, ["org-gmail-1"], "NamePrefix,EmailDomain,FullName", true },
        { "Smith", "jane@gmail.com", MatchKind.Candidates, [], "", true },
        { "Telefónica", "x@telefonica.es", MatchKind.Candidates, ["org-tel2", "org-tel"], "NamePrefix,EmailDomain", false },
        { "TELEFONICA", "x@telefonica.es", MatchKind.Candidates, ["org-tel2", "org-tel"], "NamePrefix,EmailDomain", false },
        { "Bucher", "info@BÜCHER.de", MatchKind.Candidates, ["org-bucher"], "NamePrefix,EmailDomain", false },
        { "Bucher", "info@xn--bcher-kva.de", MatchKind.Candidates, ["org-bucher"], "NamePrefix,EmailDomain", false },
        { "Anything", "chef@xn--bcher-kva.de", MatchKind.AdminOfOne, ["org-bucher"], "AdminIsMember", false },
        { "Anything", "CHEF@Bücher.de", MatchKind.AdminOfOne, ["org-bucher"], "AdminIsMember", false },
        { "株式会社トヨタ自動車", "info@toyota.jp", MatchKind.Candidates, ["org-kabu"], "NamePrefix,EmailDomain", false },
        { "IBM", "x@ibm.com", MatchKind.Candidates, ["org-ibm", "org-ibm-corp"], "NamePrefix,EmailDomain", false },
        { "I.B.M. Corp", "x@ibm.com", MatchKind.Candidates, [], "", false },
        { "IBM Corporation", "x@ibm.com", MatchKind.Candidates, ["org-ibm-corp"], "NamePrefix,EmailDomain", false },
        { "Odd Name", "someone@odd.com", MatchKind.Candidates, ["org/odd#key?\\"], "NamePrefix,EmailDomain", false },
        { "Nobody Inc", "nobody@nowhere.org", MatchKind.Candidates, [], "", false },
    };

    /// <summary>company name, admin email, the scenario's organization type, expected kind and candidate ids: only organizations of the type count, for Rule A and Rule B.</summary>
    public static TheoryData<string, string, OrganizationType, MatchKind, string[]> TypeCases => new()
    {
        { "Telefónica", "x@telefonica.es", OrganizationType.Customer, MatchKind.Candidates, ["org-tel"] },
        { "Telefónica", "x@telefonica.es", OrganizationType.Partner, MatchKind.Candidates, ["org-tel2"] },
        { "Anything", "lab@acmelabs.io", OrganizationType.Partner, MatchKind.AdminOfOne, ["org-acme-labs"] },
        { "Acme Labs", "lab@acmelabs.io", OrganizationType.Customer, MatchKind.Candidates, [] },
        { "Anything", "ana@acme.com", OrganizationType.Partner, MatchKind.Candidates, [] },
        { "Anything", "ana@acme.com", OrganizationType.Customer, MatchKind.AdminOfOne, ["org-acme"] },
    };

    public static void AssertMatches(MatchResult result, MatchKind kind, string[] ids, string firstMatchedBy, bool notice)
    {
        Assert.Equal(kind, result.Kind);
        Assert.Equal(ids, result.Candidates.Select(c => c.OrganizationId).ToArray());
        if (ids.Length > 0)
        {
            Assert.Equal(firstMatchedBy, string.Join(',', result.Candidates[0].MatchedBy));
        }

        Assert.Equal(notice, result.Notice is not null);
    }

    public static Submission Submit(string companyName, string email)
    {
        Assert.True(SubmissionValidator.TryCreate(companyName, email, out var submission, out var errors), string.Join("; ", errors.SelectMany(e => e.Value)));
        return submission;
    }
}
