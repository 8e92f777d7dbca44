using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Tests.Matching;

namespace ServerlessProvisioning.Tests.Organizations;

public class OrganizationStoreTests(AzuriteFixture azurite)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<(OrganizationStore Store, TableNames Names)> NewStoreAsync()
    {
        var names = await azurite.CreateTablesAsync();
        return (new OrganizationStore(azurite.Tables, names), names);
    }

    async Task<List<TableEntity>> AllAsync(string table)
    {
        var all = new List<TableEntity>();
        await foreach (var entity in azurite.Tables.GetTableClient(table).QueryAsync<TableEntity>(cancellationToken: Ct))
        {
            all.Add(entity);
        }

        return all;
    }

    Task<IReadOnlyList<string>> CheckAsync(TableNames names) => new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct);

    [Fact]
    public async Task Put_stores_the_organization_and_its_summary()
    {
        var (store, names) = await NewStoreAsync();
        var acme = MatchingWorld.Organizations[0];

        await store.PutAsync(acme, null, Ct);

        var summary = await store.GetSummaryAsync("org-acme", Ct);
        Assert.Equal(acme.Summarize() with { FullAdmins = [] }, summary! with { FullAdmins = [] });
        Assert.Equal(acme.Summarize().FullAdmins, summary.FullAdmins);
        var loaded = await store.GetAsync("org-acme", Ct);
        Assert.Equal(2, loaded!.Users.Count);
        Assert.Equal(2, loaded.Subscriptions.Count);
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Every_entity_matching_reads_has_a_RowKey_of_its_own()
    {
        // Azurite finds an entity by RowKey first and scans all entities sharing it, so a RowKey shared by every
        // organization (or every user index entity) would make matching's point reads grow with the tables.
        var (store, names) = await NewStoreAsync();
        foreach (var organization in MatchingWorld.Organizations)
        {
            await store.PutAsync(organization, null, Ct);
        }

        var organizationRows = (await AllAsync(names.Organizations)).Where(e => OrganizationRows.IsOrganizationRow(e.RowKey)).ToList();
        var userIndex = await AllAsync(names.UserIndex);

        Assert.Equal(MatchingWorld.Organizations.Count, organizationRows.Count);
        Assert.Equal(organizationRows.Count, organizationRows.Select(e => e.RowKey).Distinct(StringComparer.Ordinal).Count());
        Assert.True(userIndex.Count > 1);
        Assert.Equal(userIndex.Count, userIndex.Select(e => e.RowKey).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Put_twice_writes_nothing_the_second_time()
    {
        var (store, names) = await NewStoreAsync();
        var acme = MatchingWorld.Organizations[0];
        var first = await store.PutAsync(acme, null, Ct);

        var second = await store.PutAsync(acme, null, Ct);

        Assert.Equal(OrganizationWrite.Created, first.Outcome);
        Assert.Equal(OrganizationWrite.Unchanged, second.Outcome);
        Assert.Equal(first.Stored!.ETag, second.Stored!.ETag);
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Missing_organizations_read_as_null() =>
        Assert.Null(await (await NewStoreAsync()).Store.GetSummaryAsync("nope", Ct));

    [Fact]
    public async Task Create_is_idempotent_and_makes_the_first_user_full_admin()
    {
        var (store, names) = await NewStoreAsync();
        var created = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(await store.CreateAsync("org-new", "New Co", OrganizationType.Partner, created, new OrganizationUser("Boss@New.co"), Ct));
        Assert.False(await store.CreateAsync("org-new", "New Co", OrganizationType.Partner, created, new OrganizationUser("Boss@New.co"), Ct));

        var summary = await store.GetSummaryAsync("org-new", Ct);
        Assert.Equal(1, summary!.Users);
        Assert.Equal([new AdminContact("boss@new.co")], summary.FullAdmins);
        Assert.Equal([new Membership("org-new", true)], await store.Indexes.GetMembershipsAsync("boss@new.co", Ct));
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Creating_with_a_subscription_is_one_write_run_again_it_changes_nothing_and_it_completes_a_creation_without_it()
    {
        var (store, names) = await NewStoreAsync();
        var created = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var subscription = new OrganizationSubscription("sub-new", SubscriptionStatus.Active);

        await store.CreateWithSubscriptionAsync("org-new", "New Co", OrganizationType.Customer, created, new OrganizationUser("Boss@New.co"), subscription, Ct);
        var first = await store.FindAsync("org-new", Ct);
        await store.CreateWithSubscriptionAsync("org-new", "New Co", OrganizationType.Customer, created, new OrganizationUser("Boss@New.co"), subscription, Ct);

        Assert.Equal(first!.ETag, (await store.FindAsync("org-new", Ct))!.ETag);
        var summary = await store.GetSummaryAsync("org-new", Ct);
        Assert.Equal(1, summary!.ActiveSubscriptions);
        Assert.Equal([new AdminContact("boss@new.co")], summary.FullAdmins);
        Assert.Equal("org-new", await store.Indexes.GetSubscriptionOwnerAsync("sub-new", Ct));

        // An organization created by an earlier run that never added the subscription gets it.
        Assert.True(await store.CreateAsync("org-half", "Half Co", OrganizationType.Customer, created, new OrganizationUser("half@half.co"), Ct));
        await store.CreateWithSubscriptionAsync("org-half", "Half Co", OrganizationType.Customer, created, new OrganizationUser("half@half.co"), new OrganizationSubscription("sub-half", SubscriptionStatus.Active), Ct);
        Assert.Equal(1, (await store.GetSummaryAsync("org-half", Ct))!.ActiveSubscriptions);

        // A subscription another organization holds is refused, and the new organization is not left holding anything.
        await Assert.ThrowsAsync<SubscriptionHeldElsewhereException>(() => store.CreateWithSubscriptionAsync("org-late", "Late Co", OrganizationType.Customer, created, new OrganizationUser("late@late.co"), subscription, Ct));
        Assert.Equal("org-new", await store.Indexes.GetSubscriptionOwnerAsync("sub-new", Ct));
        Assert.Null(await store.FindAsync("org-late", Ct));
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Adding_a_subscription_twice_counts_it_once()
    {
        var (store, names) = await NewStoreAsync();
        await store.PutAsync(MatchingWorld.Organizations[0], null, Ct);
        var subscription = new OrganizationSubscription("sub-9", SubscriptionStatus.Active);

        await store.AddSubscriptionAsync("org-acme", subscription, Ct);
        await store.AddSubscriptionAsync("org-acme", subscription, Ct);

        Assert.Equal(2, (await store.GetSummaryAsync("org-acme", Ct))!.ActiveSubscriptions);
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Adding_an_admin_promotes_an_existing_user_and_updates_the_index()
    {
        var (store, names) = await NewStoreAsync();
        await store.PutAsync(MatchingWorld.Organizations[0], null, Ct);

        await store.AddFullAdminAsync("org-acme", "BOB@acme.com", "Bob", Ct);

        var summary = await store.GetSummaryAsync("org-acme", Ct);
        Assert.Equal(2, summary!.Users);
        Assert.Contains(summary.FullAdmins, a => a.Email == "bob@acme.com");
        Assert.Equal([new Membership("org-acme", true)], await store.Indexes.GetMembershipsAsync("bob@acme.com", Ct));
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Writes_to_a_missing_organization_fail_clearly()
    {
        var (store, _) = await NewStoreAsync();

        var error = await Assert.ThrowsAsync<OrganizationNotFoundException>(() =>
            store.AddSubscriptionAsync("ghost", new OrganizationSubscription("s", SubscriptionStatus.Active), Ct));
        Assert.Equal("ghost", error.OrganizationId);
    }

    [Fact]
    public async Task Concurrent_writes_to_one_organization_keep_summary_and_indexes_consistent()
    {
        var (store, names) = await NewStoreAsync();
        await store.PutAsync(MatchingWorld.Organizations[0], null, Ct);

        var writes = Enumerable.Range(0, 12).Select(i => (i % 3) switch
        {
            0 => store.AddSubscriptionAsync("org-acme", new OrganizationSubscription($"s{i}", SubscriptionStatus.Active), Ct),
            1 => store.AddFullAdminAsync("org-acme", $"admin{i}@acme.com", null, Ct),
            _ => store.AddFullAdminAsync("org-acme", "bob@acme.com", "Bob", Ct),
        });
        await Task.WhenAll(writes);

        var summary = await store.GetSummaryAsync("org-acme", Ct);
        Assert.Equal(1 + 4, summary!.ActiveSubscriptions);
        Assert.Equal(2 + 4, summary.Users);
        Assert.Equal(6, summary.FullAdmins.Count);
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Concurrent_organizations_sharing_index_entities_lose_no_entry()
    {
        var (store, names) = await NewStoreAsync();
        var organizations = Enumerable.Range(0, 16).Select(i => new Organization(
            $"org-{i}", $"Acme {i}", OrganizationType.Customer, MatchingWorld.Now, [new OrganizationUser("shared@acme.com", null, i % 2 == 0 ? [UserRole.FullAdmin] : [])], []));

        await Task.WhenAll(organizations.Select(o => store.PutAsync(o, null, Ct)));

        Assert.Equal(16, (await store.Indexes.GetMembershipsAsync("shared@acme.com", Ct)).Count);
        Assert.Equal(16, (await store.Indexes.GetByDomainAndKeyAsync("acme.com", "acme ", Ct)).Count);
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task The_checker_reports_an_index_that_disagrees_with_its_source()
    {
        var (store, names) = await NewStoreAsync();
        await store.PutAsync(MatchingWorld.Organizations[0], null, Ct);
        var (pk, rk) = OrganizationIndexes.UserKey("ana@acme.com");
        await azurite.Tables.GetTableClient(names.UserIndex).DeleteEntityAsync(pk, rk, cancellationToken: Ct);
        await azurite.Tables.GetTableClient(names.UserIndex).AddEntityAsync(
            OrganizationIndexes.CreateEntity<Membership>("ghost%40x.com", "ghost%40x.com", [new Membership("org-ghost", true)]), Ct);

        var problems = await CheckAsync(names);

        Assert.Contains(problems, p => p.Contains("missing", StringComparison.Ordinal) && p.Contains("org-acme", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("org-ghost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Large_index_lists_span_several_properties()
    {
        var (store, names) = await NewStoreAsync();
        var organizations = Enumerable.Range(0, 700).Select(i => new Organization(
            $"org-with-a-rather-long-identifier-{i:0000}", $"Acme Branch Number {i}", OrganizationType.Customer, MatchingWorld.Now, [new OrganizationUser($"u{i}@acme.com")], []));

        await new OrganizationImporter(store).ImportAsync(organizations.ToList(), Ct);

        Assert.Equal(700, (await store.Indexes.GetByDomainAndKeyAsync("acme.com", "acme ", Ct)).Count);
        Assert.Empty(await CheckAsync(names));
    }
}
