using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>Finding orders by what people know of them, and organizations by name, over HTTP: GET /api/orders?… and GET /api/organizations?name=.</summary>
public class SearchApiTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    async Task<T> GetAsync<T>(string path)
    {
        using var response = await Server.OperatorGetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(Json.Options))!;
    }

    async Task PostOrderAsync(string orderId, string contact)
    {
        using var response = await Server.PostOrderAsync(LocalHostFixture.Order(orderId, contact: contact));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    async Task AssertBadRequestAsync(string path, params string[] fields)
    {
        using var response = await Server.OperatorGetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var field in fields)
        {
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{path}: no error for {field}");
        }
    }

    [Fact]
    public async Task A_new_order_is_found_at_once_by_its_contact_whatever_the_case_or_IDN_and_by_its_subscription()
    {
        var orderId = NewId("find");
        await PostOrderAsync(orderId, $"Buyer.{orderId}@Bücher.de");

        var byContact = await GetAsync<OrderList>($"/api/orders?contact={Uri.EscapeDataString($"BUYER.{orderId}@xn--bcher-kva.de")}");
        var item = Assert.Single(byContact.Items);
        Assert.Equal((orderId, "sub-" + orderId, $"Buyer.{orderId}@Bücher.de"), (item.OrderId, item.SubscriptionId, item.ProvisioningContactEmail));

        var bySubscription = await GetAsync<OrderList>($"/api/orders?subscriptionId=sub-{orderId}");
        Assert.Equal([orderId], bySubscription.Items.Select(i => i.OrderId));
    }

    [Fact]
    public async Task Company_search_finds_the_typed_name_by_a_folded_prefix()
    {
        var orderId = NewId("company");
        var stem = "Zyxw" + orderId[^8..];
        var contact = $"owner.{orderId}@{orderId}.example";
        await PostOrderAsync(orderId, contact);
        var token = (await Server.WaitForMailAsync(orderId, m => m.Count > 0, "invitation"))[0].WizardToken!;
        using (var submitted = await Server.SubmitAsync(token, new { companyName = $"{stem} Ñandú S.A.", adminEmail = contact }))
        {
            Assert.True(submitted.IsSuccessStatusCode);
        }

        var found = await Eventually.WaitAsync(
            () => GetAsync<OrderList>($"/api/orders?company={Uri.EscapeDataString(stem.ToUpperInvariant() + " nandu")}"),
            l => l.Items.Any(i => i.OrderId == orderId),
            TimeSpan.FromSeconds(30),
            "the order under its typed company name");
        Assert.Equal($"{stem} Ñandú S.A.", found.Items.Single(i => i.OrderId == orderId).CompanyName);
        Assert.Empty((await GetAsync<OrderList>($"/api/orders?company={Uri.EscapeDataString(stem + " nandu sl")}")).Items);
    }

    [Fact]
    public async Task Expiring_orders_come_soonest_first_and_a_cancelled_one_leaves_the_list()
    {
        var orderId = NewId("expiring");
        await PostOrderAsync(orderId, $"c.{orderId}@acme.com");
        var path = "/api/orders?expiringBefore=2200-01-01T00:00:00Z&pageSize=100";

        var open = await Eventually.WaitAsync(() => GetAsync<OrderList>(path), l => l.Items.Any(i => i.OrderId == orderId), TimeSpan.FromSeconds(30), "the order among those expiring");
        Assert.All(open.Items, i => Assert.NotNull(i.ExpiresAt));
        Assert.Equal(open.Items.Select(i => i.ExpiresAt).Order(), open.Items.Select(i => i.ExpiresAt));
        var deadline = open.Items.Single(i => i.OrderId == orderId).ExpiresAt!.Value;
        Assert.DoesNotContain((await GetAsync<OrderList>($"/api/orders?expiringBefore={Uri.EscapeDataString(deadline.ToString("O"))}&pageSize=100")).Items, i => i.OrderId == orderId);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/cancel") { Content = JsonContent.Create(new { reason = "test" }) };
        request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
        using (var cancelled = await Server.Http.SendAsync(request, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        }

        await Eventually.WaitAsync(() => GetAsync<OrderList>(path), l => l.Items.All(i => i.OrderId != orderId), TimeSpan.FromSeconds(30), "the cancelled order gone from the deadlines");
        var finished = Assert.Single((await GetAsync<OrderList>($"/api/orders?subscriptionId=sub-{orderId}")).Items);
        Assert.Equal((ProvisioningStage.Cancelled, (DateTimeOffset?)null), (finished.Stage, finished.ExpiresAt));
    }

    [Fact]
    public async Task A_search_pages_with_its_own_continuation_tokens()
    {
        var contact = $"pager.{Guid.NewGuid():N}@acme.com";
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(NewId("page"));
            await PostOrderAsync(ids[^1], contact);
        }

        var first = await GetAsync<OrderList>($"/api/orders?contact={contact}&pageSize=2");
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.ContinuationToken);
        var second = await GetAsync<OrderList>($"/api/orders?contact={contact.ToUpperInvariant()}&pageSize=2&continuationToken={first.ContinuationToken}");

        Assert.Equal(ids.AsEnumerable().Reverse(), first.Items.Concat(second.Items).Select(i => i.OrderId));
        await AssertBadRequestAsync($"/api/orders?contact=other@acme.com&continuationToken={first.ContinuationToken}", "continuationToken");
        await AssertBadRequestAsync($"/api/orders?continuationToken={first.ContinuationToken}", "continuationToken");
    }

    [Theory]
    [InlineData("/api/orders?contact=not-an-address", "contact")]
    [InlineData("/api/orders?contact=a@b@c.com", "contact")]
    [InlineData("/api/orders?subscriptionId=bad%20id", "subscriptionId")]
    [InlineData("/api/orders?subscriptionId=%27%7C%27", "subscriptionId")]
    [InlineData("/api/orders?company=%21%21%21", "company")]
    [InlineData("/api/orders?company=%27%7C%22", "company")]
    [InlineData("/api/orders?expiringBefore=tomorrow", "expiringBefore")]
    [InlineData("/api/orders?expiringBefore=2026-13-01", "expiringBefore")]
    [InlineData("/api/orders?expiringBefore=12%2F24%2F2026", "expiringBefore")]
    [InlineData("/api/orders?contact=a@acme.com&company=acme", "contact", "company")]
    [InlineData("/api/orders?stage=InvitationSent&subscriptionId=sub-1", "stage", "subscriptionId")]
    [InlineData("/api/orders?company=acme&pageSize=101", "pageSize")]
    [InlineData("/api/organizations?name=%21%21%21", "name")]
    [InlineData("/api/organizations?name=acme&domain=acme.com", "email")]
    public async Task A_malformed_or_combined_search_is_a_400_naming_the_field(string path, params string[] fields)
    {
        await AssertBadRequestAsync(path, fields);
    }

    [Theory]
    [InlineData("/api/orders?contact=o%27brien%7Cx%7B%7D@acme.com")]
    [InlineData("/api/orders?company=O%27Brien%20%7C%20%22Sons%22%20or%201%20eq%201")]
    [InlineData("/api/orders?company=%F0%9F%98%80%20%C3%9Cn%C3%AFc%C3%B6d%C3%A9")]
    [InlineData("/api/orders?expiringBefore=2026-12-24T18:00:00%2B01:00")]
    [InlineData("/api/orders?expiringBefore=2026-12-24T18:00:00+01:00")]
    [InlineData("/api/orders?expiringBefore=2026-12-24")]
    [InlineData("/api/organizations?name=O%27Brien%20%7C%20%22Sons%22")]
    public async Task Hostile_or_unusual_values_are_searched_like_any_other(string path)
    {
        using var response = await Server.OperatorGetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("telef", new[] { "org-telefonica", "org-telefonica-tech" })]
    [InlineData("TELEFÓNICA S", new[] { "org-telefonica" })]
    [InlineData("bucher & sohne", new[] { "org-bucher" })]
    [InlineData("株式会社", new[] { "org-kabushiki" })]
    [InlineData("zzzz nothing", new string[0])]
    public async Task Organizations_are_found_by_a_folded_prefix_of_their_name(string name, string[] expected)
    {
        var page = await GetAsync<DirectoryPage>($"/api/organizations?name={Uri.EscapeDataString(name)}");

        Assert.Equal(expected.Order(), page.Items.Select(i => i.OrganizationId).Order());
    }

    [Fact]
    public async Task The_name_search_pages_in_name_order()
    {
        var first = await GetAsync<DirectoryPage>("/api/organizations?name=acme&pageSize=3");
        Assert.NotNull(first.ContinuationToken);
        var second = await GetAsync<DirectoryPage>($"/api/organizations?name=ACME&pageSize=3&continuationToken={first.ContinuationToken}");

        Assert.Equal(["Acme Corporation", "Acme Iberia S.L.", "ACME, Inc.", "Acme Labs"], first.Items.Concat(second.Items).Select(i => i.Name));
        Assert.Null(second.ContinuationToken);
        await AssertBadRequestAsync($"/api/organizations?name=acmex&continuationToken={first.ContinuationToken}", "continuationToken");
    }
}
