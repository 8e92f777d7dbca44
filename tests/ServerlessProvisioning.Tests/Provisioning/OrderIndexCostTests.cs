using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Provisioning;

/// <summary>
/// What the orders index costs, in storage requests (docs/benchmarks.md, "Finding orders"): exact on any machine and
/// at any number of orders, because every write touches the order's own entries and every search reads one partition
/// (or one RowKey range of one) for one page, then the summary of each order it lists.
/// </summary>
public class OrderIndexCostTests(AzuriteFixture azurite)
{
    static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        public List<string> Requests { get; } = [];

        public override void OnSendingRequest(HttpMessage message) =>
            Requests.Add(message.Request.Method + " " + message.Request.Uri.Path.Split('/').Last().Split('(')[0]);
    }

    async Task<(OrderStore Store, CountingPolicy Counter)> NewStoreAsync()
    {
        var names = await azurite.CreateTablesAsync();
        var counter = new CountingPolicy();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerCall);
        return (new OrderStore(new TableServiceClient(azurite.ConnectionString, options), names), counter);
    }

    static ProgressRequest Progress(string orderId, int sequence, ProvisioningStage stage, DateTimeOffset? expiresAt, string? company = null, string contact = "buyer@acme.com", ProvisioningOutcome? outcome = null, string? organizationId = null, string? chosen = null) =>
        new(orderId, sequence, stage, outcome, organizationId, [new AuditEntry(sequence, T0, "system", "Test", null)], T0.AddMinutes(sequence), chosen, "sub-" + orderId, contact, company, expiresAt);

    static async Task<int> CountAsync(CountingPolicy counter, Func<Task> act)
    {
        counter.Requests.Clear();
        await act();
        return counter.Requests.Count;
    }

    [Fact]
    public async Task Each_order_write_and_each_search_page_costs_a_fixed_number_of_requests()
    {
        var (store, counter) = await NewStoreAsync();
        var costs = new List<(string What, int Requests)>();

        // An order's life: registered, invited, details typed, an organization chosen (approval), redirected deadline, rejected.
        costs.Add(("register", await CountAsync(counter, () => store.RegisterAsync("ord-c", "fp", "order-ord-c", T0, "sub-ord-c", "buyer@acme.com", Ct))));
        costs.Add(("invited", await CountAsync(counter, () => store.RecordProgressAsync(Progress("ord-c", 1, ProvisioningStage.InvitationSent, T0.AddDays(30)), Ct))));
        costs.Add(("same stage, audit only", await CountAsync(counter, () => store.RecordProgressAsync(Progress("ord-c", 2, ProvisioningStage.InvitationSent, T0.AddDays(30)), Ct))));
        costs.Add(("details typed", await CountAsync(counter, () => store.RecordProgressAsync(Progress("ord-c", 3, ProvisioningStage.AwaitingOrganizationChoice, T0.AddDays(30), "Acme Ltd"), Ct))));
        costs.Add(("chosen, approval deadline", await CountAsync(counter, () => store.RecordProgressAsync(Progress("ord-c", 4, ProvisioningStage.AwaitingAdminApproval, T0.AddDays(7), "Acme Ltd", chosen: "org-acme"), Ct))));
        costs.Add(("rejected", await CountAsync(counter, () => store.RecordProgressAsync(Progress("ord-c", 5, ProvisioningStage.Rejected, null, "Acme Ltd", outcome: ProvisioningOutcome.Rejected, chosen: "org-acme"), Ct))));
        costs.Add(("purge", await CountAsync(counter, () => store.DeleteAsync("ord-c", Ct))));

        for (var i = 0; i < 60; i++)
        {
            await store.RegisterAsync($"ord-{i}", "fp", $"order-ord-{i}", T0.AddMinutes(i), $"sub-{i}", "same@acme.com", Ct);
            await store.RecordProgressAsync(Progress($"ord-{i}", 1, ProvisioningStage.AwaitingOrganizationChoice, T0.AddHours(i), "Acme " + i, "same@acme.com"), Ct);
        }

        costs.Add(("contact, page of 50", await CountAsync(counter, () => store.ListByContactAsync("same@acme.com", null, 50, Ct))));
        costs.Add(("subscription", await CountAsync(counter, () => store.ListBySubscriptionAsync("sub-ord-7", null, 50, Ct))));
        costs.Add(("company prefix, page of 50", await CountAsync(counter, () => store.ListByCompanyPrefixAsync("acme", null, 50, Ct))));
        costs.Add(("expiring, page of 50", await CountAsync(counter, () => store.ListExpiringBeforeAsync(T0.AddDays(10), null, 50, Ct))));

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", costs.Select(c => $"{c.What}: {c.Requests}")));
        // A record writes only what changed: the summaries (all, stage, organizations) when the summary did, a search's
        // pointer when its key is new, a delete for each key gone, and then settles the row (one merge). A search page
        // is one query and one point read per order it lists (their summaries, read at once).
        Assert.Equal(
            [("register", 5), ("invited", 6), ("same stage, audit only", 2), ("details typed", 7), ("chosen, approval deadline", 9), ("rejected", 8), ("purge", 14),
             ("contact, page of 50", 51), ("subscription", 2), ("company prefix, page of 50", 51), ("expiring, page of 50", 51)],
            costs);
    }
}
