using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Tests.Matching;

namespace ServerlessProvisioning.Tests.Organizations;

/// <summary>
/// An organization is one row (and pages, when it is very large), so that reading or replacing it never queries the
/// table: on Azurite a query scans every entity, and in Azure it would be a partition scan per write.
/// </summary>
public class OrganizationLayoutTests(AzuriteFixture azurite)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static Organization Org(string id, string name, IReadOnlyList<OrganizationUser> users, IReadOnlyList<OrganizationSubscription>? subscriptions = null) =>
        new(id, name, OrganizationType.Customer, MatchingWorld.Now.AddYears(-2), users, subscriptions ?? []);

    [Fact]
    public async Task Directory_writes_and_reads_take_point_reads_only()
    {
        var names = await azurite.CreateTablesAsync();
        var queries = new QueryCounter();
        var options = new TableClientOptions();
        options.AddPolicy(queries, HttpPipelinePosition.PerCall);
        var store = new OrganizationStore(new TableServiceClient(azurite.ConnectionString, options), names);
        var first = Org("org-p", "Point Reads", [new("ann@point.com", "Ann", [UserRole.FullAdmin]), new("bob@point.com")], [new("sub-p1", SubscriptionStatus.Active)]);
        var second = first with { Users = [.. first.Users, new("cy@point.com")], Subscriptions = [new("sub-p2", SubscriptionStatus.Active)] };

        Assert.Equal(OrganizationWrite.Created, (await store.PutAsync(first, null, Ct)).Outcome);
        Assert.Equal(OrganizationWrite.Unchanged, (await store.PutAsync(first, null, Ct)).Outcome);
        Assert.Equal(OrganizationWrite.Replaced, (await store.PutAsync(second, null, Ct)).Outcome);
        await store.AddFullAdminAsync("org-p", "bob@point.com", null, Ct);
        await store.AddSubscriptionAsync("org-p", new("sub-p3", SubscriptionStatus.Active), Ct);
        Assert.Equal(3, (await store.GetAsync("org-p", Ct))!.Users.Count);
        Assert.Equal(2, (await store.GetSummaryAsync("org-p", Ct))!.FullAdmins.Count);
        Assert.Equal(OrganizationWrite.Deleted, (await store.DeleteAsync("org-p", null, Ct)).Outcome);

        Assert.True(queries.Requests > 20, "The counter saw the store's requests.");
        Assert.Equal([], queries.Queries);
    }

    [Fact]
    public async Task An_organization_too_large_for_one_row_continues_in_pages_and_shrinks_back_to_one_row()
    {
        var names = await azurite.CreateTablesAsync();
        var store = new OrganizationStore(azurite.Tables, names);
        var longName = new string('n', 190);
        var users = Enumerable.Range(0, 4000).Select(i => new OrganizationUser($"user{i:D5}@large.example", $"{longName}{i}", i % 100 == 0 ? [UserRole.FullAdmin] : [])).ToList();
        var large = Org("org-large", "Large Group", users, [.. Enumerable.Range(0, 50).Select(i => new OrganizationSubscription($"sub-l{i}", SubscriptionStatus.Active))]);

        var created = await store.PutAsync(large, null, Ct);

        Assert.Equal(OrganizationWrite.Created, created.Outcome);
        var rows = await PartitionAsync(names, "org-large");
        Assert.True(rows.Count(r => OrganizationRows.IsPageRow(r.RowKey)) >= 2, $"{rows.Count} rows");
        var read = await store.FindAsync("org-large", Ct);
        Assert.Equal(created.Stored!.ETag, read!.ETag);
        Assert.Equal(4000, read.Organization.Users.Count);
        Assert.Equal(40, (await store.GetSummaryAsync("org-large", Ct))!.FullAdmins.Count);
        Assert.Equal(OrganizationWrite.Unchanged, (await store.PutAsync(large, null, Ct)).Outcome);
        Assert.Empty(await new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct));

        var small = large with { Users = users.Take(3).ToList(), Subscriptions = [] };
        Assert.Equal(OrganizationWrite.Replaced, (await store.PutAsync(small, null, Ct)).Outcome);

        Assert.Single(await PartitionAsync(names, "org-large"));
        Assert.Equal(3, (await store.GetAsync("org-large", Ct))!.Users.Count);
        Assert.Empty(await store.Indexes.GetMembershipsAsync("user03999@large.example", Ct));
        Assert.Empty(await new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct));

        // A page its row does not name is reported (no write leaves one: rows and pages change in one batch).
        var pk = OrganizationRows.PartitionKey("org-large");
        await azurite.Tables.GetTableClient(names.Organizations).AddEntityAsync(new TableEntity(pk, OrganizationRows.PageRowKey(pk, 1)) { ["Data"] = "[]" }, Ct);
        Assert.Contains(await new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct), p => p.Contains("page rows", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_creation_that_finds_the_organization_created_meanwhile_replaces_it_instead()
    {
        var names = await azurite.CreateTablesAsync();
        var conflicts = new ConflictSignal();
        var options = new TableClientOptions();
        options.AddPolicy(conflicts, HttpPipelinePosition.PerRetry);
        var store = new OrganizationStore(new TableServiceClient(azurite.ConnectionString, options), names);
        var organizations = azurite.Tables.GetTableClient(names.Organizations);
        var pk = OrganizationRows.PartitionKey("org-m");
        var ours = Org("org-m", "Meanwhile Ltd", [new("ann@meanwhile.com", null, [UserRole.FullAdmin])], [new("sub-m1", SubscriptionStatus.Active)]);
        var theirs = Org("org-m", "Meanwhile Group", [new("bob@meanwhile.com", null, [UserRole.FullAdmin]), new("cy@meanwhile.io")]);

        // Another writer holds the lock: our PUT has seen no organization and waits for the lock.
        await organizations.AddEntityAsync(new TableEntity(pk, OrganizationRows.LockRowKey(pk)) { ["ExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(5) }, Ct);
        var put = store.PutAsync(ours, null, Ct);
        await conflicts.First.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // That writer creates the organization (its indexes, then its row) and lets the lock go.
        await new OrganizationIndexes(azurite.Tables, names).SetAsync("org-m", OrganizationIndexes.EntriesFor(theirs).Select(e => e.Key), OrganizationIndexes.EntriesFor(theirs), likelyNew: true, Ct);
        await organizations.SubmitTransactionAsync([
            .. OrganizationRows.RowsFor(theirs).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, OrganizationRows.LockRowKey(pk))),
        ], Ct);

        var result = await put;

        Assert.Equal(OrganizationWrite.Replaced, result.Outcome);
        Assert.Equal("Meanwhile Ltd", (await store.GetAsync("org-m", Ct))!.Name);
        Assert.Empty(await store.Indexes.GetMembershipsAsync("bob@meanwhile.com", Ct));
        Assert.Equal("org-m", await store.Indexes.GetSubscriptionOwnerAsync("sub-m1", Ct));
        Assert.Empty(await new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct));
    }

    [Fact]
    public async Task Many_first_writes_of_one_organization_at_once_create_it_once()
    {
        var names = await azurite.CreateTablesAsync();
        var store = new OrganizationStore(azurite.Tables, names);
        var versions = Enumerable.Range(0, 8).Select(i => Org("org-f", i % 2 == 0 ? "First Corp" : "Foremost Corp", [new($"u{i}@first{i % 3}.com", null, [UserRole.FullAdmin]), new("shared@first.com")])).ToList();

        var results = await Task.WhenAll(versions.Select(v => store.PutAsync(v, null, Ct)));

        Assert.Single(results, r => r.Outcome == OrganizationWrite.Created);
        Assert.All(results, r => Assert.Contains(r.Outcome, new[] { OrganizationWrite.Created, OrganizationWrite.Replaced }));
        Assert.Contains((await store.GetAsync("org-f", Ct))!.Users[^1].Email, versions.Select(v => v.Users[0].Email));
        Assert.Empty(await new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct));
    }

    [Fact]
    public void Pages_of_another_version_are_never_joined_to_a_row()
    {
        var users = Enumerable.Range(0, 3000).Select(i => new OrganizationUser($"user{i:D5}@torn.example", new string('x', 180))).ToList();
        var before = OrganizationRows.RowsFor(Org("org-t", "Torn", users));
        var after = OrganizationRows.RowsFor(Org("org-t", "Torn", [.. users.Skip(1)]));
        Assert.True(before.Count > 1 && after.Count > 1);

        Assert.Throws<TornOrganizationException>(() => OrganizationRows.Assemble([before[0], .. after.Skip(1)]));
        Assert.Throws<TornOrganizationException>(() => OrganizationRows.Assemble([before[0]]));
        Assert.Equal(3000, OrganizationRows.Assemble(before)!.Users.Count);
    }

    [Fact]
    public void Equal_organizations_make_equal_rows_whatever_the_order_of_their_lists()
    {
        var a = Org("org-o", "Order", [new("b@order.com"), new("A@Order.com", null, [UserRole.FullAdmin, UserRole.FullAdmin])], [new("s2", SubscriptionStatus.Active), new("s1", SubscriptionStatus.Expired)]);
        var b = a with { Users = [.. a.Users.Reverse()], Subscriptions = [.. a.Subscriptions.Reverse()] };

        Assert.True(OrganizationRows.SameRows(OrganizationRows.RowsFor(a), OrganizationRows.RowsFor(b)));
        var stored = OrganizationRows.Assemble(OrganizationRows.RowsFor(a))!;
        Assert.Equal(["a@order.com", "b@order.com"], stored.Users.Select(u => u.Email));
        Assert.Equal([UserRole.FullAdmin], stored.Users[0].Roles);
        Assert.Equal(["s1", "s2"], stored.Subscriptions.Select(s => s.Id));
    }

    async Task<List<TableEntity>> PartitionAsync(TableNames names, string organizationId)
    {
        var rows = new List<TableEntity>();
        var pk = OrganizationRows.PartitionKey(organizationId);
        await foreach (var row in azurite.Tables.GetTableClient(names.Organizations).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), cancellationToken: Ct))
        {
            rows.Add(row);
        }

        return rows;
    }

    // Completes when the store first meets a conflict (its lock insert finding the lock held).
    sealed class ConflictSignal : HttpPipelineSynchronousPolicy
    {
        readonly TaskCompletionSource first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task First => first.Task;

        public override void OnReceivedResponse(HttpMessage message)
        {
            if (message.Response.Status == 409)
            {
                first.TrySetResult();
            }
        }
    }

    // Counts the store's requests, and keeps every one that queries a table ("Table()" rather than "Table(PartitionKey=…)").
    sealed class QueryCounter : HttpPipelineSynchronousPolicy
    {
        int requests;

        public int Requests => requests;

        public List<string> Queries { get; } = [];

        public override void OnSendingRequest(HttpMessage message)
        {
            Interlocked.Increment(ref requests);
            var path = message.Request.Uri.Path;
            if (message.Request.Method == RequestMethod.Get && path.EndsWith("()", StringComparison.Ordinal))
            {
                lock (Queries)
                {
                    Queries.Add(message.Request.Method + " " + path);
                }
            }
        }
    }
}
