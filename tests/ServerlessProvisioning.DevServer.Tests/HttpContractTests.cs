using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>Every SPEC §3 route answers with the codes its table lists, always as problem+json for errors.</summary>
public class HttpContractTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(problem.RootElement.TryGetProperty("exception", out _));
    }

    [Fact]
    public async Task The_same_order_again_is_200_with_the_same_body_and_a_different_body_is_409()
    {
        var orderId = NewId("dup");
        using var first = await Server.PostOrderAsync(LocalHostFixture.Order(orderId));
        using var again = await Server.PostOrderAsync(LocalHostFixture.Order(orderId));
        using var different = await Server.PostOrderAsync(LocalHostFixture.Order(orderId, "PartnerSelf"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        var accepted = (await first.Content.ReadFromJsonAsync<OrderAccepted>(Json.Options))!;
        Assert.Equal("order-" + orderId, accepted.InstanceId);
        Assert.EndsWith($"/api/orders/{orderId}", accepted.StatusUrl, StringComparison.Ordinal);
        await AssertProblemAsync(different, HttpStatusCode.Conflict);
        Assert.Single(await Server.WaitForMailAsync(orderId, m => m.Count > 0, "invitation"));
    }

    [Fact]
    public async Task The_webhook_rejects_missing_wrong_stale_and_tampered_signatures()
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(LocalHostFixture.Order(NewId("sig")), Json.Options);
        using var missing = await Server.Http.PostAsync("/api/orders", new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
        using var wrong = await Server.PostSignedAsync("/api/orders", body, secret: "not-the-secret-at-all-0000");
        using var stale = await Server.PostSignedAsync("/api/orders", body, at: DateTimeOffset.UtcNow.AddMinutes(-6));
        using var future = await Server.PostSignedAsync("/api/orders", body, at: DateTimeOffset.UtcNow.AddMinutes(6));

        using var tampered = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("CustomerSelf", "PartnerSelf", StringComparison.Ordinal))) };
        tampered.Content.Headers.ContentType = new("application/json");
        tampered.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, LocalHost.Secret, DateTimeOffset.UtcNow));
        using var tamperedResponse = await Server.Http.SendAsync(tampered);

        foreach (var response in new[] { missing, wrong, stale, future, tamperedResponse })
        {
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        }
    }

    [Theory]
    [InlineData("""{"subscriptionId":"s","provisioningContactEmail":"a@b.com","scenario":"CustomerSelf"}""", "orderId")]
    [InlineData("""{"orderId":"o/1","subscriptionId":"s","provisioningContactEmail":"a@b.com","scenario":"CustomerSelf"}""", "orderId")]
    [InlineData("""{"orderId":"o1","subscriptionId":"s","provisioningContactEmail":"nope","scenario":"CustomerSelf"}""", "provisioningContactEmail")]
    [InlineData("""{"orderId":"o1","subscriptionId":"s","provisioningContactEmail":"a@b.com","scenario":"Reseller"}""", "scenario")]
    [InlineData("""{"orderId":1,"subscriptionId":"s","provisioningContactEmail":"a@b.com","scenario":"CustomerSelf"}""", "orderId")]
    [InlineData("""[1,2]""", "body")]
    [InlineData("""{"orderId":""", "body")]
    public async Task Invalid_orders_are_400_with_the_field_named(string json, string field)
    {
        using var response = await Server.PostSignedAsync("/api/orders", Encoding.UTF8.GetBytes(json));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bodies_over_64_KiB_are_413_and_other_media_types_415()
    {
        var big = Encoding.UTF8.GetBytes("{\"orderId\":\"" + new string('a', 70_000) + "\"}");
        using var tooLarge = await Server.PostSignedAsync("/api/orders", big);
        using var text = await Server.Http.PostAsync("/api/orders", new StringContent("{}", Encoding.UTF8, "text/plain"));

        await AssertProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);
        await AssertProblemAsync(text, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task The_operator_view_needs_the_key_and_knows_unknown_orders()
    {
        using var withoutKey = await Server.Http.GetAsync("/api/orders/anything");
        using var unknown = await Server.OperatorGetAsync("/api/orders/" + NewId("ghost"));

        await AssertProblemAsync(withoutKey, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_tokens_are_404_and_tokens_never_work_on_the_other_page()
    {
        var orderId = NewId("kinds");
        var wizardToken = await host.InviteAsync(orderId);
        using var submitted = await Server.SubmitAsync(wizardToken, new { companyName = "Acme", adminEmail = $"{orderId}@acme.com" });

        using var unknown = await Server.Http.GetAsync("/api/wizard/" + new string('x', 43));
        using var garbage = await Server.Http.GetAsync("/api/approvals/%27%20or%201%3D1");
        using var wizardAsApproval = await Server.Http.GetAsync($"/api/approvals/{wizardToken}");

        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        await AssertProblemAsync(garbage, HttpStatusCode.NotFound);
        await AssertProblemAsync(wizardAsApproval, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Commands_in_the_wrong_stage_are_409_and_choices_must_be_candidates()
    {
        var orderId = NewId("stage");
        var token = await host.InviteAsync(orderId);

        using var early = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { createNew = true });
        await AssertProblemAsync(early, HttpStatusCode.Conflict);

        using var invalid = await Server.SubmitAsync(token, new { companyName = "---", adminEmail = "not-an-email" });
        await AssertProblemAsync(invalid, HttpStatusCode.BadRequest);
        using var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("companyName", out _));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("adminEmail", out _));
        using var emptyName = await Server.SubmitAsync(token, new { companyName = "", adminEmail = "bad" });
        using var bothErrors = JsonDocument.Parse(await emptyName.Content.ReadAsStringAsync());
        Assert.Equal(2, bothErrors.RootElement.GetProperty("errors").EnumerateObject().Count());

        using var submitted = await Server.SubmitAsync(token, new { companyName = "Acme Ltd", adminEmail = $"{orderId}@acme.com" });
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        // Until an organization is chosen, a new submission replaces the previous one.
        using var again = await Server.SubmitAsync(token, new { companyName = "Acme Ltd", adminEmail = $"{orderId}@acme.com" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        using var notCandidate = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-contoso" });
        await AssertProblemAsync(notCandidate, HttpStatusCode.BadRequest);
        using var both = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-acme", createNew = true });
        await AssertProblemAsync(both, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_approval_is_decided_once_then_409()
    {
        var orderId = NewId("decide");
        var token = await host.InviteAsync(orderId);
        using var submitted = await Server.SubmitAsync(token, new { companyName = "Contoso", adminEmail = $"{orderId}@contoso.com" });
        using var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-contoso" });
        var request = (await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest), "approval request")).Single(m => m.Kind == EmailKind.ApprovalRequest);
        using var lateSubmission = await Server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = "Contoso", adminEmail = $"{orderId}@contoso.com" });
        await AssertProblemAsync(lateSubmission, HttpStatusCode.Conflict);

        using var badDecision = await Server.PostJsonAsync($"/api/approvals/{request.ApprovalToken}", new { decision = "maybe" });
        using var rejected = await Server.PostJsonAsync($"/api/approvals/{request.ApprovalToken}", new { decision = "reject", comment = "Not ours" });
        using var again = await Server.PostJsonAsync($"/api/approvals/{request.ApprovalToken}", new { decision = "approve" });
        using var approvalAsWizard = await Server.Http.GetAsync($"/api/wizard/{request.ApprovalToken}");

        await AssertProblemAsync(badDecision, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Accepted, rejected.StatusCode);
        await AssertProblemAsync(again, HttpStatusCode.Conflict);
        await AssertProblemAsync(approvalAsWizard, HttpStatusCode.NotFound);
        var final = await host.WaitForStageAsync(token, ProvisioningStage.Rejected);
        Assert.Equal(ProvisioningOutcome.Rejected, final.Outcome);
    }
}

/// <summary>Expired links answer 410 and say so.</summary>
public class ExpiryTests(ShortLivedLocalHostFixture host) : IClassFixture<ShortLivedLocalHostFixture>
{
    [Fact]
    public async Task An_expired_invitation_link_is_410_and_commands_on_it_too()
    {
        var orderId = "exp-" + Guid.NewGuid().ToString("N")[..8];
        var token = await host.InviteAsync(orderId);

        var gone = await Eventually.WaitAsync(() => host.Server.Http.GetAsync($"/api/wizard/{token}"), r => r.StatusCode == HttpStatusCode.Gone, TimeSpan.FromSeconds(60), "410");
        using var submit = await host.Server.SubmitAsync(token, new { companyName = "Acme", adminEmail = "x@acme.com" });

        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(await gone.Content.ReadAsStringAsync()))
        {
            Assert.Equal("expired", problem.RootElement.GetProperty("reason").GetString());
        }

        Assert.Equal(HttpStatusCode.Gone, submit.StatusCode);
        var mail = await host.Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Outcome), "expiry outcome");
        Assert.Contains("expired", mail[^1].Subject, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>A local host that keeps finished orders for two seconds.</summary>
public sealed class ShortRetentionLocalHostFixture(AzuriteFixture azurite) : InProcessHostFixture(azurite)
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string> { ["Provisioning__CompletedRetention"] = "00:00:02" };
}

/// <summary>Finished orders are purged after the retention: workflow history, links, order rows and emails.</summary>
public class RetentionTests(ShortRetentionLocalHostFixture host) : IClassFixture<ShortRetentionLocalHostFixture>
{
    [Fact]
    public async Task A_finished_order_disappears_with_its_links_and_emails_after_the_retention()
    {
        var orderId = "purge-" + Guid.NewGuid().ToString("N")[..8];
        var token = await host.InviteAsync(orderId);
        using var submitted = await host.Server.SubmitAsync(token, new { companyName = "x", adminEmail = "megan@contoso.com" });

        await Eventually.WaitAsync(() => host.Server.OperatorGetAsync($"/api/orders/{orderId}"), r => r.StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(90), "the order to be purged");

        using var wizard = await host.Server.Http.GetAsync($"/api/wizard/{token}");
        Assert.Equal(HttpStatusCode.NotFound, wizard.StatusCode);
        Assert.Empty(await host.Server.MailAsync(orderId));
        using var list = await host.Server.OperatorGetAsync("/api/orders?pageSize=100");
        Assert.DoesNotContain(orderId, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Rule A assigned it to org-contoso; the organization's list forgets it too.
        using var organizationOrders = await host.Server.OperatorGetAsync("/api/organizations/org-contoso/orders?pageSize=100");
        Assert.Equal(HttpStatusCode.OK, organizationOrders.StatusCode);
        Assert.DoesNotContain(orderId, await organizationOrders.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Its audit went to the month's archive blob first, once: one line per entry, keyed by order and sequence.
        var server = (InProcessHost)host.Server;
        var archive = server.Services.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>().GetBlobContainerClient(server.Tables.ArchiveContainer);
        var lines = (await archive.GetBlobClient(AuditArchive.BlobName(DateTimeOffset.UtcNow)).DownloadContentAsync()).Value.Content.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<ArchivedAuditEntry>(l, Json.Options)!)
            .Where(e => e.OrderId == orderId)
            .ToList();
        Assert.Contains(lines, e => e.Action == "OrderReceived");
        Assert.Equal(lines.Select(e => e.Sequence).Distinct().Order(), lines.Select(e => e.Sequence));
    }
}
