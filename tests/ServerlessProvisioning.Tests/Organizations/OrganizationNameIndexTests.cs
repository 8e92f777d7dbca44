using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Organizations;

/// <summary>The name index behind GET /api/organizations?name=: kept by every directory write, read as a RowKey range.</summary>
public class OrganizationNameIndexTests(AzuriteFixture azurite)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static Organization Org(string id, string name) =>
        new(id, name, OrganizationType.Customer, DateTimeOffset.UnixEpoch, [new OrganizationUser($"admin@{id}.example", null, [UserRole.FullAdmin])], []);

    static async Task<List<string>> FindAsync(OrganizationStore store, string text) =>
        (await store.Indexes.ListByNamePrefixAsync(CompanyName.Normalize(text), null, 100, Ct)).Items.Select(i => i.OrganizationId).ToList();

    [Fact]
    public async Task Puts_renames_and_deletes_keep_the_name_index_true()
    {
        var names = await azurite.CreateTablesAsync();
        var store = new OrganizationStore(azurite.Tables, names);
        await store.PutAsync(Org("org-tef", "Telefónica S.A."), null, Ct);
        await store.PutAsync(Org("org-tech", "TELEFONICA TECH"), null, Ct);
        await store.PutAsync(Org("org-hostile", "O'Brien | \"Sons\" 😀 / # ? % ~"), null, Ct);

        Assert.Equal(["org-tef", "org-tech"], await FindAsync(store, "telef"));
        Assert.Equal(["org-tech"], await FindAsync(store, "Telefonica t"));
        Assert.Equal(["org-hostile"], await FindAsync(store, "o brien sons 😀"));

        await store.PutAsync(Org("org-tef", "Movistar"), null, Ct);
        await store.DeleteAsync("org-tech", null, Ct);

        Assert.Empty(await FindAsync(store, "telef"));
        Assert.Equal(["org-tef"], await FindAsync(store, "MOVI"));
        Assert.Empty(await new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct));
    }

    [Fact]
    public async Task A_prefix_pages_by_row_key()
    {
        var names = await azurite.CreateTablesAsync();
        var store = new OrganizationStore(azurite.Tables, names);
        foreach (var i in Enumerable.Range(0, 5))
        {
            await store.PutAsync(Org($"org-{i}", $"Acme {i}"), null, Ct);
        }

        var seen = new List<string>();
        string? from = null;
        do
        {
            var (items, next) = await store.Indexes.ListByNamePrefixAsync("acme", from, 2, Ct);
            Assert.True(items.Count <= 2);
            seen.AddRange(items.Select(i => i.OrganizationId));
            from = next;
        }
        while (from is not null);

        Assert.Equal(["org-0", "org-1", "org-2", "org-3", "org-4"], seen);
    }
}
