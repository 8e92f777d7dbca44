using Azure.Data.Tables;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Provisioning;

/// <summary>The orders index's searches on Azurite: who finds an order, in what order, and that moves and purges leave nothing behind.</summary>
public class OrderSearchTests(AzuriteFixture azurite)
{
    static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<(OrderStore Store, TableNames Names)> NewStoreAsync()
    {
        var names = await azurite.CreateTablesAsync();
        return (new OrderStore(azurite.Tables, names), names);
    }

    static async Task RegisterAsync(OrderStore store, string orderId, string contact, DateTimeOffset at, string? subscriptionId = null) =>
        await store.RegisterAsync(orderId, "fp", "order-" + orderId, at, subscriptionId ?? "sub-" + orderId, contact, Ct);

    static async Task ProgressAsync(OrderStore store, string orderId, int sequence, ProvisioningStage stage, DateTimeOffset? expiresAt = null, string? company = null, string? contact = null, ProvisioningOutcome? outcome = null, string? organizationId = null) =>
        await store.RecordProgressAsync(new ProgressRequest(orderId, sequence, stage, outcome, organizationId, [], T0.AddMinutes(sequence), null, "sub-" + orderId, contact, company, expiresAt), Ct);

    static List<string> Ids((IReadOnlyList<OrderSummary> Items, string? ContinuationToken) page) => page.Items.Select(i => i.OrderId).ToList();

    async Task<List<TableEntity>> EntriesOfAsync(TableNames names, string orderId)
    {
        var found = new List<TableEntity>();
        await foreach (var e in azurite.Tables.GetTableClient(names.OrderIndex).QueryAsync<TableEntity>(cancellationToken: Ct))
        {
            if (e.GetString("OrderId") == orderId)
            {
                found.Add(e);
            }
        }

        return found;
    }

    [Fact]
    public async Task A_just_registered_order_is_found_by_its_contact_and_subscription()
    {
        var (store, _) = await NewStoreAsync();

        await RegisterAsync(store, "ord-1", "Buyer@Acme.com", T0, "sub-42");

        var byContact = await store.ListByContactAsync("buyer@acme.com", null, 10, Ct);
        var item = Assert.Single(byContact.Items);
        Assert.Equal(("ord-1", ProvisioningStage.InvitationSent, "sub-42", "Buyer@Acme.com"), (item.OrderId, item.Stage, item.SubscriptionId, item.ProvisioningContactEmail));
        Assert.Equal(["ord-1"], Ids(await store.ListBySubscriptionAsync("sub-42", null, 10, Ct)));
        Assert.Equal(["ord-1"], Ids(await store.ListAsync(ProvisioningStage.InvitationSent, null, 10, Ct)));
        Assert.Empty((await store.ListBySubscriptionAsync("sub-4", null, 10, Ct)).Items);
    }

    [Theory]
    [InlineData("chef@bücher.de")]
    [InlineData("CHEF@BÜCHER.DE")]
    [InlineData("chef@xn--bcher-kva.de")]
    [InlineData("  Chef@Xn--Bcher-Kva.De ")]
    public async Task Contact_search_follows_the_identity_rules_case_and_IDN(string search)
    {
        var (store, _) = await NewStoreAsync();
        await RegisterAsync(store, "ord-idn", "Chef@Bücher.de", T0);
        await RegisterAsync(store, "ord-other", "chef2@bücher.de", T0.AddMinutes(1));

        Assert.Equal(["ord-idn"], Ids(await store.ListByContactAsync(search, null, 10, Ct)));
    }

    [Fact]
    public async Task A_redirected_invitation_moves_the_order_to_its_new_contact()
    {
        var (store, names) = await NewStoreAsync();
        await RegisterAsync(store, "ord-r", "buyer@acme.com", T0);
        await ProgressAsync(store, "ord-r", 1, ProvisioningStage.InvitationSent, T0.AddDays(30), contact: "buyer@acme.com");

        await ProgressAsync(store, "ord-r", 2, ProvisioningStage.InvitationSent, T0.AddDays(31), contact: "colleague@acme.com");

        Assert.Empty((await store.ListByContactAsync("buyer@acme.com", null, 10, Ct)).Items);
        Assert.Equal(["ord-r"], Ids(await store.ListByContactAsync("colleague@acme.com", null, 10, Ct)));
        // all, its stage, its contact, its subscription, its deadline: one each.
        Assert.Equal(5, (await EntriesOfAsync(names, "ord-r")).Count);
    }

    [Theory]
    [InlineData("telef")]
    [InlineData("TELEFÓNICA")]
    [InlineData("Telefonica S")]
    [InlineData("telefónica s.a.")]
    [InlineData("  t ")]
    public async Task Company_search_is_a_prefix_of_the_typed_name_folded_as_matching_folds_it(string search)
    {
        var (store, _) = await NewStoreAsync();
        await RegisterAsync(store, "ord-tef", "a@x.com", T0);
        await ProgressAsync(store, "ord-tef", 1, ProvisioningStage.AwaitingOrganizationChoice, T0.AddDays(30), company: "Telefónica S.A.");
        await RegisterAsync(store, "ord-tel", "b@x.com", T0.AddMinutes(1));
        await ProgressAsync(store, "ord-tel", 1, ProvisioningStage.AwaitingOrganizationChoice, T0.AddDays(30), company: "Telco One");
        await RegisterAsync(store, "ord-acme", "c@x.com", T0.AddMinutes(2));
        await ProgressAsync(store, "ord-acme", 1, ProvisioningStage.AwaitingOrganizationChoice, T0.AddDays(30), company: "Acme");

        var found = await store.ListByCompanyPrefixAsync(search, null, 10, Ct);

        Assert.Contains("ord-tef", Ids(found));
        Assert.DoesNotContain("ord-acme", Ids(found));
        Assert.Equal("Telefónica S.A.", found.Items.Single(i => i.OrderId == "ord-tef").CompanyName);
    }

    [Fact]
    public async Task Company_search_does_not_match_past_the_typed_name()
    {
        var (store, _) = await NewStoreAsync();
        await RegisterAsync(store, "ord-a", "a@x.com", T0);
        await ProgressAsync(store, "ord-a", 1, ProvisioningStage.AwaitingOrganizationChoice, T0.AddDays(30), company: "Acme");

        Assert.Empty((await store.ListByCompanyPrefixAsync("acme corp", null, 10, Ct)).Items);
        Assert.Empty((await store.ListByCompanyPrefixAsync("acmf", null, 10, Ct)).Items);
        Assert.Empty((await store.ListByCompanyPrefixAsync("!!!", null, 10, Ct)).Items);
    }

    [Fact]
    public async Task Hostile_text_is_a_key_like_any_other()
    {
        var (store, _) = await NewStoreAsync();
        const string company = "O'Brien | \"Sons\" ' or 1 eq 1 -- 😀 Ünïcödé / \\ # ? % ~";
        await RegisterAsync(store, "ord-h", "o'brien+x@acme.com", T0);
        await ProgressAsync(store, "ord-h", 1, ProvisioningStage.AwaitingOrganizationChoice, T0.AddDays(30), company: company);
        await RegisterAsync(store, "ord-plain", "plain@acme.com", T0.AddMinutes(1));

        Assert.Equal(["ord-h"], Ids(await store.ListByContactAsync("O'Brien+X@acme.com", null, 10, Ct)));
        Assert.Equal(["ord-h"], Ids(await store.ListByCompanyPrefixAsync("o brien sons or 1 eq 1 unic", null, 10, Ct)));
        Assert.Equal(["ord-h"], Ids(await store.ListByCompanyPrefixAsync("O'Brien | \"", null, 10, Ct)));
        Assert.Empty((await store.ListByContactAsync("' or PartitionKey ne '@acme.com", null, 10, Ct)).Items);
        Assert.Empty((await store.ListBySubscriptionAsync("x' or RowKey ne '", null, 10, Ct)).Items);
        Assert.Equal(company, (await store.ListByContactAsync("o'brien+x@acme.com", null, 10, Ct)).Items.Single().CompanyName);
    }

    [Fact]
    public async Task Expiring_orders_come_soonest_first_and_only_before_the_time()
    {
        var (store, _) = await NewStoreAsync();
        foreach (var (id, hours) in new[] { ("ord-3h", 3), ("ord-1h", 1), ("ord-2h", 2), ("ord-9h", 9) })
        {
            await RegisterAsync(store, id, id + "@x.com", T0);
            await ProgressAsync(store, id, 1, ProvisioningStage.InvitationSent, T0.AddHours(hours));
        }

        var expiring = await store.ListExpiringBeforeAsync(T0.AddHours(3), null, 10, Ct);

        Assert.Equal(["ord-1h", "ord-2h"], Ids(expiring));
        Assert.Equal(T0.AddHours(1), expiring.Items[0].ExpiresAt);
    }

    [Fact]
    public async Task A_new_deadline_moves_the_entry_and_a_finished_order_leaves_the_deadline_index()
    {
        var (store, names) = await NewStoreAsync();
        await RegisterAsync(store, "ord-d", "d@x.com", T0);
        await ProgressAsync(store, "ord-d", 1, ProvisioningStage.InvitationSent, T0.AddHours(1));
        await ProgressAsync(store, "ord-d", 2, ProvisioningStage.AwaitingAdminApproval, T0.AddHours(5), organizationId: null);

        Assert.Empty((await store.ListExpiringBeforeAsync(T0.AddHours(2), null, 10, Ct)).Items);
        Assert.Equal(["ord-d"], Ids(await store.ListExpiringBeforeAsync(T0.AddHours(6), null, 10, Ct)));

        await ProgressAsync(store, "ord-d", 3, ProvisioningStage.Completed, null, outcome: ProvisioningOutcome.AssignedToNewOrganization, organizationId: "org-new");

        Assert.Empty((await store.ListExpiringBeforeAsync(DateTimeOffset.MaxValue, null, 10, Ct)).Items);
        var done = Assert.Single((await store.ListByContactAsync("d@x.com", null, 10, Ct)).Items);
        Assert.Equal((ProvisioningStage.Completed, "org-new", (DateTimeOffset?)null), (done.Stage, done.OrganizationId, done.ExpiresAt));
        Assert.DoesNotContain(await EntriesOfAsync(names, "ord-d"), e => e.PartitionKey == "expires" || e.PartitionKey == "AwaitingAdminApproval");
    }

    [Fact]
    public async Task An_older_progress_record_moves_nothing_back()
    {
        var (store, _) = await NewStoreAsync();
        await RegisterAsync(store, "ord-o", "o@x.com", T0);
        await ProgressAsync(store, "ord-o", 2, ProvisioningStage.Expired, null, outcome: ProvisioningOutcome.Expired);

        await ProgressAsync(store, "ord-o", 1, ProvisioningStage.InvitationSent, T0.AddHours(1));

        Assert.Empty((await store.ListExpiringBeforeAsync(DateTimeOffset.MaxValue, null, 10, Ct)).Items);
        Assert.Equal(ProvisioningStage.Expired, Assert.Single((await store.ListByContactAsync("o@x.com", null, 10, Ct)).Items).Stage);
    }

    [Fact]
    public async Task Records_racing_each_other_leave_the_index_as_the_newest_one_says()
    {
        // The index is written before the row's batch: an older record that raced a newer one may write its entries
        // after the newer one's, lose the row (its batch's version check fails), and must put the index back.
        var (store, names) = await NewStoreAsync();
        var orders = Enumerable.Range(0, 12).Select(i => $"ord-r{i}").ToList();
        foreach (var id in orders)
        {
            await RegisterAsync(store, id, $"{id}@x.com", T0);
            await ProgressAsync(store, id, 1, ProvisioningStage.InvitationSent, T0.AddDays(30));
        }

        await Task.WhenAll(orders.SelectMany(id => new[]
        {
            ProgressAsync(store, id, 3, ProvisioningStage.Expired, null, outcome: ProvisioningOutcome.Expired),
            ProgressAsync(store, id, 2, ProvisioningStage.AwaitingOrganizationChoice, T0.AddDays(30), company: "Racing Ltd"),
        }));

        foreach (var id in orders)
        {
            var order = (await store.GetAsync(id, Ct))!;
            Assert.Equal(ProvisioningStage.Expired, order.Stage);
            Assert.Equal(ProvisioningStage.Expired, Assert.Single((await store.ListByContactAsync($"{id}@x.com", null, 10, Ct)).Items).Stage);
            Assert.DoesNotContain(await EntriesOfAsync(names, id), e => e.PartitionKey is "expires" or "InvitationSent" or "AwaitingOrganizationChoice");
        }
    }

    [Fact]
    public async Task A_record_written_again_changes_nothing()
    {
        var (store, names) = await NewStoreAsync();
        await RegisterAsync(store, "ord-a", "a@x.com", T0);
        var record = new ProgressRequest("ord-a", 1, ProvisioningStage.InvitationSent, null, null, [new AuditEntry(1, T0, "system", "InvitationSent", null)], T0, null, "sub-ord-a", "a@x.com", null, T0.AddDays(30));
        await store.RecordProgressAsync(record, Ct);
        var entries = (await EntriesOfAsync(names, "ord-a")).Select(e => (e.PartitionKey, e.RowKey)).ToList();

        await store.RecordProgressAsync(record, Ct);

        Assert.Equal(entries, (await EntriesOfAsync(names, "ord-a")).Select(e => (e.PartitionKey, e.RowKey)).ToList());
        Assert.Equal(["InvitationSent"], (await store.GetAuditAsync("ord-a", Ct)).Select(a => a.Action));
    }

    [Fact]
    public async Task A_record_writes_only_the_entries_it_changes_and_one_after_a_record_cut_short_writes_them_all()
    {
        var (store, names) = await NewStoreAsync();
        await RegisterAsync(store, "ord-h", "h@x.com", T0);
        await ProgressAsync(store, "ord-h", 1, ProvisioningStage.InvitationSent, T0.AddDays(30), contact: "h@x.com");
        var index = azurite.Tables.GetTableClient(names.OrderIndex);
        var all = Assert.Single(await EntriesOfAsync(names, "ord-h"), e => e.PartitionKey == "all");

        // The same summary: nothing is written (the list's updatedAt is when the summary last changed).
        await ProgressAsync(store, "ord-h", 2, ProvisioningStage.InvitationSent, T0.AddDays(30), contact: "h@x.com");
        Assert.Equal(all.ETag, Assert.Single(await EntriesOfAsync(names, "ord-h"), e => e.PartitionKey == "all").ETag);

        // What a record cut short between its row and its entries leaves: the row moved on, its entries did not.
        var orders = azurite.Tables.GetTableClient(names.Orders);
        await orders.UpdateEntityAsync(new TableEntity(TableKey.Encode("ord-h"), "order") { ["Stage"] = "AwaitingOrganizationChoice", ["CompanyName"] = "Healed Ltd", ["ProgressSequence"] = 3 }, Azure.ETag.All, TableUpdateMode.Merge, Ct);
        await index.DeleteEntityAsync(all.PartitionKey, all.RowKey, Azure.ETag.All, Ct);

        await ProgressAsync(store, "ord-h", 4, ProvisioningStage.AwaitingOrganizationChoice, T0.AddDays(30), company: "Healed Ltd", contact: "h@x.com");

        Assert.Equal(["ord-h"], Ids(await store.ListAsync(null, null, 10, Ct)));
        Assert.Equal(["ord-h"], Ids(await store.ListByCompanyPrefixAsync("healed", null, 10, Ct)));
        Assert.Equal(ProvisioningStage.AwaitingOrganizationChoice, Assert.Single((await store.ListByContactAsync("h@x.com", null, 10, Ct)).Items).Stage);
        Assert.DoesNotContain(await EntriesOfAsync(names, "ord-h"), e => e.PartitionKey == "InvitationSent");
    }

    [Fact]
    public async Task A_search_pages_newest_first_with_continuation_tokens()
    {
        var (store, _) = await NewStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await RegisterAsync(store, $"ord-p{i}", "same@acme.com", T0.AddMinutes(i));
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await store.ListByContactAsync("SAME@acme.com", token, 2, Ct);
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(Ids(page));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(["ord-p4", "ord-p3", "ord-p2", "ord-p1", "ord-p0"], seen);
    }

    [Fact]
    public async Task A_purge_deletes_every_entry_of_the_order()
    {
        var (store, names) = await NewStoreAsync();
        await RegisterAsync(store, "ord-x", "x@acme.com", T0);
        await ProgressAsync(store, "ord-x", 1, ProvisioningStage.AwaitingAdminApproval, T0.AddHours(1), company: "Acme", contact: "x@acme.com", organizationId: null);
        await store.RecordProgressAsync(new ProgressRequest("ord-x", 2, ProvisioningStage.Rejected, ProvisioningOutcome.Rejected, null, [], T0.AddHours(1), "org-acme", "sub-ord-x", "x@acme.com", "Acme", null), Ct);
        Assert.Equal(6, (await EntriesOfAsync(names, "ord-x")).Count); // all, stage, org, contact, subscription, company

        await store.DeleteAsync("ord-x", Ct);

        Assert.Empty(await EntriesOfAsync(names, "ord-x"));
        Assert.Null(await store.GetAsync("ord-x", Ct));
    }
}
