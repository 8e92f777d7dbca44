using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>The routes the operator console reads: stage counts, the orders of an organization, and the fuller order view.</summary>
public class ConsoleApiTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    async Task<T> GetAsync<T>(string path)
    {
        using var response = await Server.OperatorGetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<T>(Json.Options))!;
    }

    async Task<HttpResponseMessage> OperatorPostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json.Options) };
        request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
        return await Server.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}");
        }
    }

    [Fact]
    public async Task Order_counts_name_every_stage_and_count_a_new_order_under_its_stage()
    {
        var before = await GetAsync<OrderCounts>("/api/order-counts");
        Assert.Equal(Enum.GetValues<ProvisioningStage>(), before.Stages.Select(s => s.Stage));
        Assert.Equal(OrderStore.CountCap, before.Cap);

        await host.InviteAsync(NewId("count"));

        await Eventually.WaitAsync(
            () => GetAsync<OrderCounts>("/api/order-counts"),
            c => c.Stages.Single(s => s.Stage == ProvisioningStage.InvitationSent).Count > before.Stages.Single(s => s.Stage == ProvisioningStage.InvitationSent).Count,
            TimeSpan.FromSeconds(30),
            "the new order counted under InvitationSent");
    }

    [Fact]
    public async Task The_console_routes_answer_401_without_the_operator_key()
    {
        foreach (var path in new[] { "/api/order-counts", "/api/organizations/org-acme/orders" })
        {
            using var response = await Server.Http.GetAsync(path, TestContext.Current.CancellationToken);
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Orders_of_an_organization_answer_400_for_a_bad_id_page_size_or_token()
    {
        using (var response = await Server.OperatorGetAsync("/api/organizations/%20bad%20id/orders"))
        {
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "organizationId");
        }

        using (var response = await Server.OperatorGetAsync("/api/organizations/org-acme/orders?pageSize=0"))
        {
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "pageSize");
        }

        using (var response = await Server.OperatorGetAsync("/api/organizations/org-acme/orders?continuationToken=eyJ4IjoxfQ"))
        {
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "continuationToken");
        }
    }

    [Fact]
    public async Task An_order_assigned_by_rule_A_is_listed_under_its_organization_and_its_view_shows_the_submission()
    {
        var orderId = NewId("org-orders");
        var token = await host.InviteAsync(orderId);
        using (var submitted = await Server.SubmitAsync(token, new { companyName = "Acme Corporation", adminEmail = "ana@acme.com" }))
        {
            Assert.True(submitted.IsSuccessStatusCode, $"submission: {submitted.StatusCode}");
        }

        var list = await Eventually.WaitAsync(
            () => GetAsync<OrderList>("/api/organizations/org-acme/orders?pageSize=100"),
            l => l.Items.Any(i => i.OrderId == orderId && i.Stage == ProvisioningStage.Completed),
            TimeSpan.FromSeconds(60),
            "the order listed as Completed under org-acme");
        Assert.Equal(list.Items.OrderByDescending(i => i.CreatedAt).Select(i => i.OrderId), list.Items.Select(i => i.OrderId));

        var view = await GetAsync<OrderView>($"/api/orders/{orderId}");
        Assert.Equal("org-acme", view.OrganizationId);
        Assert.Equal("org-acme", view.Organization?.OrganizationId);
        Assert.Equal(new SubmissionView("Acme Corporation", "ana@acme.com"), view.Submission);
        Assert.Equal("buyer@acme.com", view.ProvisioningContactEmail);
        Assert.Equal(ProvisioningScenario.CustomerSelf, view.Scenario);
        Assert.Null(view.ExpiresAt);
        Assert.Equal(new OrderActions(ResendInvitation: false, Cancel: false), view.Actions);

        var other = await GetAsync<OrderList>("/api/organizations/org-contoso/orders");
        Assert.DoesNotContain(other.Items, i => i.OrderId == orderId);
    }

    [Fact]
    public async Task A_waiting_order_shows_its_contact_deadline_and_actions_and_follows_a_redirect_without_any_token()
    {
        var orderId = NewId("view");
        var token = await host.InviteAsync(orderId);

        var view = await GetAsync<OrderView>($"/api/orders/{orderId}");
        Assert.Equal(ProvisioningStage.InvitationSent, view.Stage);
        Assert.Equal("buyer@acme.com", view.ProvisioningContactEmail);
        Assert.Equal("sub-" + orderId, view.SubscriptionId);
        Assert.NotNull(view.ExpiresAt);
        Assert.True(view.ExpiresAt > DateTimeOffset.UtcNow);
        Assert.Equal(1, view.InvitationGeneration);
        Assert.Equal(new OrderActions(ResendInvitation: true, Cancel: true, RemindApprovers: false, MoveDeadline: true), view.Actions);

        using (var resent = await OperatorPostAsync($"/api/orders/{orderId}/invitation", new { provisioningContactEmail = "new.buyer@acme.com" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        }

        var redirected = await Eventually.WaitAsync(() => GetAsync<OrderView>($"/api/orders/{orderId}"), v => v.InvitationGeneration == 2, TimeSpan.FromSeconds(30), "the second invitation");
        Assert.Equal("new.buyer@acme.com", redirected.ProvisioningContactEmail);

        var newToken = (await Server.WaitForMailAsync(orderId, m => m.Count(e => e.WizardToken is not null) >= 2, "the second invitation")).Last(e => e.WizardToken is not null).WizardToken!;
        using var raw = await Server.OperatorGetAsync($"/api/orders/{orderId}");
        var json = await raw.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(token, json, StringComparison.Ordinal);
        Assert.DoesNotContain(newToken, json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_directory_finds_one_organization_by_id_with_its_assessment_and_wants_exactly_one_criterion()
    {
        var page = await GetAsync<DirectoryPage>("/api/organizations?id=org-acme");
        var acme = Assert.Single(page.Items);
        Assert.Equal("Acme Corporation", acme.Name);
        Assert.Equal(UsageAssessment.InUse, acme.Assessment);
        Assert.NotEmpty(acme.Reasons!);
        Assert.Null(page.ContinuationToken);

        Assert.Empty((await GetAsync<DirectoryPage>("/api/organizations?id=org-nobody")).Items);
        var byDomain = await GetAsync<DirectoryPage>("/api/organizations?domain=acme.com");
        Assert.All(byDomain.Items, i => Assert.NotNull(i.Assessment));

        foreach (var query in new[] { "", "?id=org-acme&email=ana@acme.com", "?id=a%2Fb", "?domain=acme.com&email=ana@acme.com" })
        {
            using var response = await Server.OperatorGetAsync("/api/organizations" + query);
            await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        }
    }
}
