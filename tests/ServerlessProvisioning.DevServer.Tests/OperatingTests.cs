using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>A local host that reports finished orders to a callback receiver which fails each delivery's first try.</summary>
public sealed class OperatingFixture(AzuriteFixture azurite) : InProcessHostFixture(azurite)
{
    public CallbackReceiver Receiver { get; private set; } = null!;

    protected override IDictionary<string, string> Settings => new Dictionary<string, string> { ["Provisioning__OrderCallbackUrl"] = Receiver.Url };

    public override async ValueTask InitializeAsync()
    {
        Receiver = await CallbackReceiver.StartAsync(LocalHost.Secret);
        Receiver.FailFirst = 1;
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>The operator routes (list, resend, cancel), the operator key, and the signed outcome callback.</summary>
public class OperatingTests(OperatingFixture host) : IClassFixture<OperatingFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    async Task<HttpResponseMessage> OperatorPostAsync(string path, object? body, string key = LocalHost.OperatorKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, options: Json.Options) };
        request.Headers.Add("x-functions-key", key);
        return await Server.Http.SendAsync(request);
    }

    async Task<OrderView> OrderAsync(string orderId)
    {
        using var response = await Server.OperatorGetAsync($"/api/orders/{orderId}");
        return (await response.Content.ReadFromJsonAsync<OrderView>(Json.Options))!;
    }

    Task<OrderView> WaitForOrderAsync(string orderId, Func<OrderView, bool> done, string what) =>
        Eventually.WaitAsync(() => OrderAsync(orderId), done, TimeSpan.FromSeconds(90), what);

    [Fact]
    public async Task Every_operator_route_needs_the_key()
    {
        foreach (var response in new[]
        {
            await Server.Http.GetAsync("/api/orders"),
            await OperatorPostAsync("/api/orders/x/invitation", new { }, key: "wrong"),
            await OperatorPostAsync("/api/orders/x/cancel", new { reason = "r" }, key: ""),
        })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task The_list_is_newest_first_filters_by_stage_and_pages()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = NewId("list");
            await host.InviteAsync(id);
            ids.Add(id);
        }

        await Eventually.WaitAsync(() => ListAsync("?stage=InvitationSent&pageSize=100"), l => ids.All(id => l.Items.Any(o => o.OrderId == id)), TimeSpan.FromSeconds(30), "indexed orders");
        var page1 = await ListAsync("?pageSize=2");
        Assert.Equal(2, page1.Items.Count);
        Assert.NotNull(page1.ContinuationToken);
        var page2 = await ListAsync($"?pageSize=2&continuationToken={page1.ContinuationToken}");
        Assert.DoesNotContain(page2.Items, o => page1.Items.Any(p => p.OrderId == o.OrderId));
        var all = (await ListAsync("?pageSize=100")).Items;
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.CreatedAt >= p.Second.CreatedAt), "newest first");
        Assert.Equal(ids.AsEnumerable().Reverse(), all.Where(o => ids.Contains(o.OrderId)).Select(o => o.OrderId));
        Assert.DoesNotContain((await ListAsync("?stage=Rejected&pageSize=100")).Items, o => ids.Contains(o.OrderId));

        foreach (var bad in new[] { "?stage=Bogus", "?pageSize=0", "?pageSize=1000", "?continuationToken=%%%" })
        {
            using var response = await Server.OperatorGetAsync("/api/orders" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    async Task<OrderList> ListAsync(string query)
    {
        using var response = await Server.OperatorGetAsync("/api/orders" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<OrderList>(Json.Options))!;
    }

    [Fact]
    public async Task Resend_to_a_new_contact_replaces_the_link_and_is_audited_by_key()
    {
        var orderId = NewId("resend");
        var oldToken = await host.InviteAsync(orderId);

        using var bad = await OperatorPostAsync($"/api/orders/{orderId}/invitation", new { provisioningContactEmail = "not an email" });
        using var unknown = await OperatorPostAsync($"/api/orders/{NewId("none")}/invitation", new { });
        using var resent = await OperatorPostAsync($"/api/orders/{orderId}/invitation", new { provisioningContactEmail = "colleague@acme.com" });

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var mail = await Server.WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.Invitation) == 2, "second invitation");
        var newer = mail.Last(m => m.Kind == EmailKind.Invitation);
        Assert.Equal("colleague@acme.com", newer.To);
        using var old = await Server.Http.GetAsync($"/api/wizard/{oldToken}");
        Assert.Equal(HttpStatusCode.Gone, old.StatusCode);
        Assert.Equal("redirected", JsonDocument.Parse(await old.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString());
        Assert.Equal(ProvisioningStage.InvitationSent, (await host.WizardAsync(newer.WizardToken!)).Stage);
        var order = await WaitForOrderAsync(orderId, o => o.Audit.Any(a => a.Action == "InvitationResendRequested"), "audited resend");
        var entry = order.Audit.First(a => a.Action == "InvitationResendRequested");
        Assert.StartsWith("operator:key-", entry.Actor, StringComparison.Ordinal);
        Assert.DoesNotContain(LocalHost.OperatorKey, JsonSerializer.Serialize(order.Audit), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resend_after_the_choice_is_409()
    {
        var orderId = NewId("late");
        var token = await host.InviteAsync(orderId);
        using var submitted = await Server.SubmitAsync(token, new { companyName = "Contoso", adminEmail = $"{orderId}@contoso.com" });
        using var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-contoso" });
        await host.WaitForStageAsync(token, ProvisioningStage.AwaitingAdminApproval);

        using var resent = await OperatorPostAsync($"/api/orders/{orderId}/invitation", null);

        Assert.Equal(HttpStatusCode.Conflict, resent.StatusCode);
    }

    [Theory]
    [InlineData("invitation")]
    [InlineData("choice")]
    [InlineData("approval")]
    public async Task Cancel_at_each_waiting_stage_ends_the_order_and_kills_its_links(string stage)
    {
        var orderId = NewId("cancel-" + stage);
        var token = await host.InviteAsync(orderId);
        string? approvalToken = null;
        if (stage is "choice" or "approval")
        {
            using var submitted = await Server.SubmitAsync(token, new { companyName = "Contoso", adminEmail = $"{orderId}@contoso.com" });
        }

        if (stage == "approval")
        {
            using var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-contoso" });
            approvalToken = (await Server.WaitForMailAsync(orderId, m => m.Any(x => x.ApprovalToken is not null), "approval request")).First(m => m.ApprovalToken is not null).ApprovalToken;
        }

        using var noReason = await OperatorPostAsync($"/api/orders/{orderId}/cancel", new { });
        using var cancelled = await OperatorPostAsync($"/api/orders/{orderId}/cancel", new { reason = "Duplicate order" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);

        var order = await WaitForOrderAsync(orderId, o => o.RuntimeStatus == "Completed", "cancelled order");
        Assert.Equal(ProvisioningStage.Cancelled, order.Stage);
        Assert.Equal(ProvisioningOutcome.Cancelled, order.Outcome);
        Assert.Contains(order.Audit, a => a.Action == "Cancelled" && a.Detail == "Duplicate order" && a.Actor.StartsWith("operator:key-", StringComparison.Ordinal));
        using var wizard = await Server.Http.GetAsync($"/api/wizard/{token}");
        Assert.Equal(HttpStatusCode.Gone, wizard.StatusCode);
        Assert.Equal("cancelled", JsonDocument.Parse(await wizard.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString());
        var outcomes = (await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Outcome), "outcome")).Where(m => m.Kind == EmailKind.Outcome).Select(m => m.To).ToList();
        Assert.Contains("buyer@acme.com", outcomes);
        if (approvalToken is not null)
        {
            using var approval = await Server.Http.GetAsync($"/api/approvals/{approvalToken}");
            Assert.Equal(HttpStatusCode.Gone, approval.StatusCode);
            await Server.WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.Outcome) == 2, "approver told too");
        }

        using var again = await OperatorPostAsync($"/api/orders/{orderId}/cancel", new { reason = "again" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_finished_order_is_reported_signed_once_after_a_failed_first_try()
    {
        var orderId = NewId("callback");
        var token = await host.InviteAsync(orderId);
        using var submitted = await Server.SubmitAsync(token, new { companyName = "x", adminEmail = "megan@contoso.com" });

        var calls = await Eventually.WaitAsync(
            () => Task.FromResult(host.Receiver.Calls.Where(c => c.Body.GetProperty("orderId").GetString() == orderId).ToList()),
            c => c.Any(x => x.AnsweredStatus == 200),
            TimeSpan.FromSeconds(90),
            "a delivered callback");

        Assert.All(calls, c => Assert.True(c.SignatureValid));
        Assert.Equal([500, 200], calls.Select(c => c.AnsweredStatus));
        Assert.Single(calls.Select(c => c.Body.GetProperty("deliveryId").GetString()).Distinct());
        var body = calls[^1].Body;
        Assert.Equal("sub-" + orderId, body.GetProperty("subscriptionId").GetString());
        Assert.Equal("Completed", body.GetProperty("stage").GetString());
        Assert.Equal("AssignedToExistingOrganization", body.GetProperty("outcome").GetString());
        Assert.Equal("org-contoso", body.GetProperty("organizationId").GetString());
        Assert.True(body.TryGetProperty("finishedAt", out _));
        var order = await WaitForOrderAsync(orderId, o => o.Audit.Any(a => a.Action == "CallbackDelivered"), "audited delivery");
        Assert.Single(order.Audit, a => a.Action == "CallbackDelivered");
    }
}
