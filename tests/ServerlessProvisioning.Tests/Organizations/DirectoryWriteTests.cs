using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Tests.Matching;

namespace ServerlessProvisioning.Tests.Organizations;

/// <summary>
/// The directory as a feed changes it, on Azurite: a replace or delete removes every index entry the old version had
/// and the new one has not, versions (ETags) follow provisioning's writes, and no sequence of writes — concurrent ones
/// on one organization, writes racing matching, a writer that dies half way — leaves the indexes disagreeing.
/// </summary>
public class DirectoryWriteTests(AzuriteFixture azurite)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<(OrganizationStore Store, TableNames Names)> NewStoreAsync()
    {
        var names = await azurite.CreateTablesAsync();
        return (new OrganizationStore(azurite.Tables, names), names);
    }

    Task<IReadOnlyList<string>> CheckAsync(TableNames names) => new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct);

    static Organization Org(string id, string name, params OrganizationUser[] users) =>
        new(id, name, OrganizationType.Customer, MatchingWorld.Now.AddYears(-2), users, []);

    static OrganizationUser Admin(string email) => new(email, null, [UserRole.FullAdmin]);

    static OrganizationUser User(string email) => new(email);

    static Task<MatchResult> MatchAsync(OrganizationStore store, string company, string email) =>
        new OrganizationMatcher(store, MatchingPolicy.Default, new FakeTimeProvider(MatchingWorld.Now)).MatchAsync(MatchingWorld.Submit(company, email), Ct);

    [Fact]
    public async Task A_replace_removes_the_index_entries_the_old_version_had_and_the_new_one_has_not()
    {
        var (store, names) = await NewStoreAsync();
        await store.PutAsync(Org("org-r", "Rivet Works", Admin("ann@rivet.com"), User("bob@rivet.io")), null, Ct);
        Assert.Contains(await store.Indexes.GetMembershipsAsync("bob@rivet.io", Ct), m => m.OrganizationId == "org-r");

        // Bob leaves, Ann is no longer an admin, and the organization is renamed (a new name key).
        var result = await store.PutAsync(Org("org-r", "Zephyr Works", User("ann@rivet.com"), Admin("cy@rivet.com")), null, Ct);

        Assert.Equal(OrganizationWrite.Replaced, result.Outcome);
        Assert.Empty(await store.Indexes.GetMembershipsAsync("bob@rivet.io", Ct));
        Assert.Empty(await store.Indexes.GetByDomainAndKeyAsync("rivet.io", "rivet", Ct));
        Assert.Empty(await store.Indexes.GetByDomainAndKeyAsync("rivet.com", "rivet", Ct));
        Assert.Equal([new NamedOrganization("org-r", "zephyr works")], await store.Indexes.GetByDomainAndKeyAsync("rivet.com", "zephy", Ct));
        Assert.Equal([new Membership("org-r", false)], await store.Indexes.GetMembershipsAsync("ann@rivet.com", Ct));
        Assert.Empty((await MatchAsync(store, "Anything", "bob@rivet.io")).Candidates);
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task A_delete_removes_the_organization_and_all_it_had_in_every_index()
    {
        var (store, names) = await NewStoreAsync();
        var org = Org("org-d", "Delta Corp", Admin("d@delta.com")) with { Subscriptions = [new("sub-d1", SubscriptionStatus.Active)] };
        await store.PutAsync(org, null, Ct);
        await store.PutAsync(Org("org-d2", "Delta Two", User("d@delta.com")), null, Ct);

        var deleted = await store.DeleteAsync("org-d", null, Ct);
        var again = await store.DeleteAsync("org-d", null, Ct);

        Assert.Equal(OrganizationWrite.Deleted, deleted.Outcome);
        Assert.Equal(OrganizationWrite.NotFound, again.Outcome);
        Assert.Null(await store.FindAsync("org-d", Ct));
        Assert.Equal([new Membership("org-d2", false)], await store.Indexes.GetMembershipsAsync("d@delta.com", Ct));
        Assert.Null(await store.Indexes.GetSubscriptionOwnerAsync("sub-d1", Ct));
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task A_subscription_held_by_another_organization_is_refused_and_nothing_is_written()
    {
        var (store, names) = await NewStoreAsync();
        await store.PutAsync(Org("org-a", "Alpha", Admin("a@alpha.com")) with { Subscriptions = [new("sub-x", SubscriptionStatus.Active)] }, null, Ct);
        var before = await store.FindAsync("org-b", Ct);

        var refused = await store.PutAsync(Org("org-b", "Beta", Admin("b@beta.com")) with { Subscriptions = [new("sub-ok", SubscriptionStatus.Active), new("sub-x", SubscriptionStatus.Active)] }, null, Ct);

        Assert.Equal(OrganizationWrite.Rejected, refused.Outcome);
        Assert.Contains("org-a", Assert.Single(refused.Errors!["subscriptions[1].id"]), StringComparison.Ordinal);
        Assert.Null(before);
        Assert.Null(await store.FindAsync("org-b", Ct));
        Assert.Null(await store.Indexes.GetSubscriptionOwnerAsync("sub-ok", Ct));
        Assert.Empty(await store.Indexes.GetMembershipsAsync("b@beta.com", Ct));
        Assert.Equal("org-a", await store.Indexes.GetSubscriptionOwnerAsync("sub-x", Ct));
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task A_subscription_moves_once_the_organization_holding_it_lets_it_go()
    {
        var (store, names) = await NewStoreAsync();
        var alpha = Org("org-a", "Alpha", Admin("a@alpha.com"));
        await store.PutAsync(alpha with { Subscriptions = [new("sub-m", SubscriptionStatus.Active)] }, null, Ct);

        await store.PutAsync(alpha, null, Ct);
        var moved = await store.PutAsync(Org("org-b", "Beta", Admin("b@beta.com")) with { Subscriptions = [new("sub-m", SubscriptionStatus.Active)] }, null, Ct);

        Assert.Equal(OrganizationWrite.Created, moved.Outcome);
        Assert.Equal("org-b", await store.Indexes.GetSubscriptionOwnerAsync("sub-m", Ct));
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task If_Match_makes_a_write_conditional_on_the_version_read()
    {
        var (store, _) = await NewStoreAsync();
        var created = await store.PutAsync(Org("org-e", "Echo", Admin("e@echo.com")), null, Ct);
        var version = created.Stored!.ETag;

        var replaced = await store.PutAsync(Org("org-e", "Echo Ltd", Admin("e@echo.com")), [version], Ct);
        var stale = await store.PutAsync(Org("org-e", "Echo Stale", Admin("e@echo.com")), [version], Ct);
        var staleDelete = await store.DeleteAsync("org-e", [version], Ct);
        var missing = await store.PutAsync(Org("org-missing", "Nobody", Admin("n@nobody.com")), [ETag.All], Ct);

        Assert.Equal(OrganizationWrite.Replaced, replaced.Outcome);
        Assert.NotEqual(version, replaced.Stored!.ETag);
        Assert.Equal(OrganizationWrite.PreconditionFailed, stale.Outcome);
        Assert.Equal(OrganizationWrite.PreconditionFailed, staleDelete.Outcome);
        Assert.Equal("Echo Ltd", (await store.GetAsync("org-e", Ct))!.Name);
        Assert.Equal(OrganizationWrite.NotFound, missing.Outcome);
        Assert.Null(await store.FindAsync("org-missing", Ct));
    }

    [Fact]
    public async Task Provisioning_writes_change_the_version_so_a_feed_cannot_overwrite_them_unseen()
    {
        var (store, names) = await NewStoreAsync();
        var feed = Org("org-p", "Papa", Admin("p@papa.com"), User("q@papa.com"));
        var read = (await store.PutAsync(feed, null, Ct)).Stored!.ETag;

        await store.AddSubscriptionAsync("org-p", new OrganizationSubscription("sub-new", SubscriptionStatus.Active), Ct);
        var afterAssignment = (await store.FindAsync("org-p", Ct))!;
        await store.AddFullAdminAsync("org-p", "q@papa.com", null, Ct);
        var afterAdmin = (await store.FindAsync("org-p", Ct))!;

        Assert.NotEqual(read, afterAssignment.ETag);
        Assert.NotEqual(afterAssignment.ETag, afterAdmin.ETag);
        Assert.Contains(afterAssignment.Organization.Subscriptions, s => s.Id == "sub-new");
        Assert.Equal(OrganizationWrite.PreconditionFailed, (await store.PutAsync(feed, [read], Ct)).Outcome);
        Assert.Contains((await store.GetAsync("org-p", Ct))!.Subscriptions, s => s.Id == "sub-new");
        Assert.Equal(OrganizationWrite.Replaced, (await store.PutAsync(afterAdmin.Organization with { Name = "Papa Inc" }, [afterAdmin.ETag], Ct)).Outcome);
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Concurrent_writers_on_one_organization_leave_the_indexes_agreeing_with_one_of_them()
    {
        var (store, names) = await NewStoreAsync();
        var versions = Enumerable.Range(0, 8).Select(i => Org(
            "org-c",
            i % 2 == 0 ? "Charlie Corp" : "Kilo Corp",
            [.. Enumerable.Range(0, 1 + (i % 4)).Select(u => u == 0 ? Admin($"u{i}-{u}@c{i % 3}.com") : User($"u{u}@shared.com"))]) with
        {
            Subscriptions = [new($"sub-c{i}", SubscriptionStatus.Active)],
        }).ToList();

        var writes = versions.Select(v => store.PutAsync(v, null, Ct))
            .Concat([
                store.DeleteAsync("org-c", null, Ct),
                store.PutAsync(versions[0], null, Ct),
            ])
            .Append(Task.Run(async () =>
            {
                // Provisioning at the same time: an assignment, when the organization exists at that moment.
                try
                {
                    await store.AddSubscriptionAsync("org-c", new OrganizationSubscription("sub-assigned", SubscriptionStatus.Active), Ct);
                }
                catch (OrganizationNotFoundException)
                {
                }

                return new OrganizationWriteResult(OrganizationWrite.Unchanged);
            }));
        await Task.WhenAll(writes);

        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task Writes_racing_wizard_submissions_never_break_matching_or_the_indexes()
    {
        var (store, names) = await NewStoreAsync();
        await store.PutAsync(Org("org-w", "Whiskey Ltd", Admin("w@whiskey.com")), null, Ct);
        using var stop = new CancellationTokenSource();
        var matches = 0;
        var matching = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await MatchAsync(store, "Whiskey", "new@whiskey.com");
                Assert.All(result.Candidates, c => Assert.Equal("org-w", c.OrganizationId));
                Interlocked.Increment(ref matches);
            }
        });

        for (var i = 0; i < 10; i++)
        {
            await store.PutAsync(Org("org-w", i % 2 == 0 ? "Whiskey Ltd" : "Whiskey Limited", Admin("w@whiskey.com"), User($"m{i}@whiskey.com")), null, Ct);
            await store.DeleteAsync("org-w", null, Ct);
        }

        await store.PutAsync(Org("org-w", "Whiskey Ltd", Admin("w@whiskey.com")), null, Ct);
        await stop.CancelAsync();
        await matching;

        Assert.True(matches > 0);
        Assert.Single((await MatchAsync(store, "Whiskey", "new@whiskey.com")).Candidates);
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task A_writer_that_died_half_way_is_repaired_by_the_next_write()
    {
        var (store, names) = await NewStoreAsync();
        await store.PutAsync(Org("org-z", "Zulu", Admin("z@zulu.com")), null, Ct);

        // What a writer killed after noting its keys and touching one index entity leaves: a lapsed lock naming the
        // key, and an entry the organization does not have.
        var ghost = OrganizationIndexes.UserKey("ghost@zulu.com");
        var pk = OrganizationRows.PartitionKey("org-z");
        var lockRow = new TableEntity(pk, OrganizationRows.LockRowKey(pk)) { ["ExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-1) };
        ChunkedJson.Write(lockRow, "Pending", Json.Serialize(new[] { new IndexKey(IndexName.User, ghost.PartitionKey, ghost.RowKey) }));
        await azurite.Tables.GetTableClient(names.Organizations).AddEntityAsync(lockRow, Ct);
        await azurite.Tables.GetTableClient(names.UserIndex).AddEntityAsync(OrganizationIndexes.CreateEntity(ghost.PartitionKey, ghost.RowKey, new[] { new Membership("org-z", true) }), Ct);
        Assert.NotEmpty(await CheckAsync(names));

        var next = await store.PutAsync(Org("org-z", "Zulu", Admin("z@zulu.com")), null, Ct);

        Assert.Equal(OrganizationWrite.Unchanged, next.Outcome);
        Assert.Empty(await store.Indexes.GetMembershipsAsync("ghost@zulu.com", Ct));
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public async Task An_import_reports_each_bad_line_imports_the_good_ones_and_a_repeat_writes_nothing()
    {
        var (store, names) = await NewStoreAsync();
        var importer = new OrganizationImporter(store);
        var ndjson = Encoding.UTF8.GetBytes(string.Join('\n',
            """{"id":"org-1","name":"One Ltd","type":"Customer","createdAt":"2020-01-01T00:00:00Z","users":[{"email":"a@one.com","roles":["FullAdmin"]}],"subscriptions":[{"id":"s-1","status":"Active"}]}""",
            "",
            """{"id":"org-2","name":"Two Ltd","type":"Customer","createdAt":"2020-01-01T00:00:00Z","users":[{"email":"a@two.com","roles":["Boss"]}]}""",
            """{"id":"org-3","name":"Three Ltd","type":"Partner","createdAt":"2020-01-01T00:00:00Z","users":[{"email":"x@three.com"},{"email":"X@Three.com"}]}""",
            """{"id":"org-4","name":"Four Ltd","type":"Customer","createdAt":"2020-01-01T00:00:00Z","users":[{"email":"not-an-address"}]}""",
            """{"id":"org-5","name":"Five Ltd","type":"Customer","createdAt":"2020-01-01T00:00:00Z","subscriptions":[{"id":"s-1","status":"Active"}]}""",
            """{"id":"org-6","name":"Six","type":"Customer",""",
            """{"id":"org-1","name":"One again","type":"Customer","createdAt":"2020-01-01T00:00:00Z"}""",
            """{"id":"org-7","name":"Seven","type":"Customer","createdAt":"2020-01-01T00:00:00Z","users":[{"email":"s@seven.com"}]}"""));

        var first = await importer.ImportAsync(OrganizationImporter.ReadNdjson(ndjson), Ct);
        var etags = await Task.WhenAll(new[] { "org-1", "org-7" }.Select(async id => (await store.FindAsync(id, Ct))!.ETag));
        var second = await importer.ImportAsync(OrganizationImporter.ReadNdjson(ndjson), Ct);

        Assert.Equal((2, 0, 0), (first.Created, first.Updated, first.Unchanged));
        Assert.Equal([3, 4, 5, 6, 7, 8], first.Failed.Select(f => f.Line));
        Assert.Contains("users[0].roles[0]", first.Failed[0].Errors.Keys);
        Assert.Contains("users[1].email", first.Failed[1].Errors.Keys);
        Assert.Contains("users[0].email", first.Failed[2].Errors.Keys);
        Assert.Contains("subscriptions[0].id", first.Failed[3].Errors.Keys);
        Assert.Equal("org-5", first.Failed[3].OrganizationId);
        Assert.Contains("body", first.Failed[4].Errors.Keys);
        Assert.Contains("id", first.Failed[5].Errors.Keys);
        Assert.Equal((0, 0, 2), (second.Created, second.Updated, second.Unchanged));
        Assert.Equal(etags, await Task.WhenAll(new[] { "org-1", "org-7" }.Select(async id => (await store.FindAsync(id, Ct))!.ETag)));
        Assert.Null(await store.FindAsync("org-5", Ct));
        Assert.Empty(await CheckAsync(names));
    }

    [Fact]
    public void An_import_line_larger_than_one_organization_may_be_fails_alone()
    {
        var users = string.Join(',', Enumerable.Range(0, 5000).Select(i => $$"""{"email":"user{{i}}@big.example","name":"{{new string('b', 200)}}"}"""));
        var ndjson = Encoding.UTF8.GetBytes(string.Join('\n',
            $$"""{"id":"org-big","name":"Big","type":"Customer","createdAt":"2020-01-01T00:00:00Z","users":[{{users}}]}""",
            """{"id":"org-ok","name":"Fine","type":"Customer","createdAt":"2020-01-01T00:00:00Z"}"""));

        var items = OrganizationImporter.ReadNdjson(ndjson).ToList();

        Assert.Equal([1, 2], items.Select(i => i.Line));
        Assert.Null(items[0].Organization);
        Assert.Contains("line", items[0].Errors!.Keys);
        Assert.Equal("org-ok", items[1].Organization?.Id);
    }

    [Fact]
    public void An_import_that_starts_with_a_byte_order_mark_reads_its_first_line()
    {
        var ndjson = "\uFEFF"u8.ToArray().Concat(Encoding.UTF8.GetBytes(string.Join('\n',
            """{"id":"org-first","name":"First","type":"Customer","createdAt":"2020-01-01T00:00:00Z"}""",
            """{"id":"org-second","name":"Second","type":"Customer","createdAt":"2020-01-01T00:00:00Z"}"""))).ToArray();

        var items = OrganizationImporter.ReadNdjson(ndjson).ToList();

        Assert.Equal([(1, "org-first"), (2, "org-second")], items.Select(i => (i.Line, i.Organization?.Id)));
        Assert.All(items, i => Assert.Null(i.Errors));
    }
}
