using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.UnitTests.DevTools;

public class SeedFileTests
{
    const string SpecExample = """
        { "organizations": [ {
            "id": "org-acme", "name": "Acme Corporation", "type": "Customer",
            "createdAt": "2019-03-01T00:00:00Z",
            "users": [ {"email": "ana@acme.com", "name": "Ana Ruiz", "roles": ["FullAdmin"]},
                       {"email": "bob@acme.com"} ],
            "subscriptions": [ {"id": "sub-1", "status": "Active"}, {"id": "sub-0", "status": "Expired"} ] } ] }
        """;

    [Fact]
    public void The_spec_example_parses()
    {
        var organization = Assert.Single(SeedFile.Parse(SpecExample));

        Assert.Equal("org-acme", organization.Id);
        Assert.Equal(OrganizationType.Customer, organization.Type);
        Assert.Equal(new DateTimeOffset(2019, 3, 1, 0, 0, 0, TimeSpan.Zero), organization.CreatedAt);
        Assert.True(organization.Users[0].IsFullAdmin);
        Assert.False(organization.Users[1].IsFullAdmin);
        Assert.Equal(1, organization.Summarize().ActiveSubscriptions);
    }

    [Theory]
    [InlineData("""{ "organizations": [ { "name": "X", "type": "Customer", "createdAt": "2020-01-01" } ] }""", "$.organizations[0].id")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "---", "type": "Customer", "createdAt": "2020-01-01" } ] }""", "$.organizations[0].name")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "Vendor", "createdAt": "2020-01-01" } ] }""", "$.organizations[0].type")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "0", "createdAt": "2020-01-01" } ] }""", "$.organizations[0].type")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "Customer", "createdAt": "yesterday" } ] }""", "$.organizations[0].createdAt")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "Customer", "createdAt": "2020-01-01", "users": [ {"email": "nope"} ] } ] }""", "$.organizations[0].users[0].email")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "Customer", "createdAt": "2020-01-01", "users": [ {"email": "a@b.com", "roles": ["Boss"]} ] } ] }""", "$.organizations[0].users[0].roles[0]")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "Customer", "createdAt": "2020-01-01", "users": [ {"email": "a@b.com"}, {"email": "A@B.com"} ] } ] }""", "$.organizations[0].users[1].email")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "Customer", "createdAt": "2020-01-01", "subscriptions": [ {"id": "s", "status": "Paused"} ] } ] }""", "$.organizations[0].subscriptions[0].status")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "Customer", "createdAt": "2020-01-01", "users": {} } ] }""", "$.organizations[0].users")]
    [InlineData("""{ "organizations": [ { "id": "a", "name": "A", "type": "Customer", "createdAt": "2020-01-01" }, { "id": "a", "name": "B", "type": "Customer", "createdAt": "2020-01-01" } ] }""", "$.organizations[1].id")]
    [InlineData("""{ "organizations": [ 42 ] }""", "$.organizations[0]")]
    [InlineData("""{ "orgs": [] }""", "$.organizations")]
    [InlineData("""[ ]""", "$.organizations")]
    [InlineData("""{ "organizations": [ """, "$ (line")]
    public void Invalid_files_name_the_offending_path(string json, string path)
    {
        var error = Assert.Throws<SeedFileException>(() => SeedFile.Parse(json));

        Assert.Contains(error.Problems, p => p.StartsWith(path, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Assert.Throws<SeedFileException>(() => SeedFile.Parse("""
            { "organizations": [ { "id": "", "name": "A", "type": "X", "createdAt": "2020-01-01" }, { "id": "b", "name": "B", "type": "Customer", "createdAt": "no" } ] }
            """));

        Assert.Equal(3, error.Problems.Count);
    }

    [Fact]
    public void The_shipped_sample_is_valid()
    {
        var root = AzuriteProcess.FindRepositoryRoot()!;

        var organizations = SeedFile.Parse(File.ReadAllText(Path.Combine(root, "samples", "organizations.json")));

        Assert.True(organizations.Count >= 10);
    }
}
