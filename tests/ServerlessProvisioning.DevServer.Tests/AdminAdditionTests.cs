using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// PartnerForCustomer's one-click add (docs/rules.md): the AddAdminRequest links to the approval page, the first full
/// administrator to decide settles it, the directory follows an approval, the contact is told, and the subscription
/// stays assigned either way. Over HTTP, on the local host with the real workflow and Azurite.
/// </summary>
public class AdminAdditionTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    sealed record Arranged(string OrderId, string OrganizationId, string Domain, string WizardToken, MailboxEntry One, MailboxEntry Two);

    // An organization of the test's own with two full admins, and a PartnerForCustomer order assigned to it: each admin
    // has an AddAdminRequest with a link of their own.
    async Task<Arranged> AssignedPendingAdditionAsync(string prefix)
    {
        var orderId = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var word = "Qua" + Guid.NewGuid().ToString("N")[..6];
        var domain = word.ToLowerInvariant() + ".example";
        var organizationId = $"org-{word.ToLowerInvariant()}";
        using (var put = await OperatorPutAsync($"/api/organizations/{organizationId}", Organization(word, domain, $"one@{domain}", $"two@{domain}")))
        {
            Assert.True(put.IsSuccessStatusCode, $"PUT: {put.StatusCode}");
        }

        var token = await host.InviteAsync(orderId, "PartnerForCustomer");
        using (var submitted = await Server.SubmitAsync(token, new { companyName = word, adminEmail = $"new@{domain}" }))
        {
            Assert.True(submitted.IsSuccessStatusCode, $"submission: {submitted.StatusCode}");
        }

        await host.WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);
        using (var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId }))
        {
            Assert.True(chosen.IsSuccessStatusCode, $"choice: {chosen.StatusCode}");
        }

        var completed = await host.WaitForStageAsync(token, ProvisioningStage.Completed);
        Assert.Equal(ProvisioningOutcome.AssignedPendingAdminAddition, completed.Outcome);
        var mail = await Server.WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.AddAdminRequest) == 2, "two add-admin requests");
        return new Arranged(orderId, organizationId, domain, token, mail.Single(m => m.Kind == EmailKind.AddAdminRequest && m.To == $"one@{domain}"), mail.Single(m => m.Kind == EmailKind.AddAdminRequest && m.To == $"two@{domain}"));
    }

    static object Organization(string word, string domain, params string[] admins) => new
    {
        name = $"{word} Ltd",
        type = "Customer",
        createdAt = "2020-01-01T00:00:00Z",
        users = admins.Select(a => new { email = a, roles = new[] { "FullAdmin" } }).Append(new { email = $"member@{domain}", roles = Array.Empty<string>() }),
    };

    [Fact]
    public async Task Approving_from_the_link_adds_the_admin_once_tells_the_contact_and_closes_the_other_links()
    {
        // Arrange
        var a = await AssignedPendingAdditionAsync("addadmin");
        Assert.NotNull(a.One.ApprovalToken);
        Assert.EndsWith($"/approval/#t={a.One.ApprovalToken}", a.One.Links.Approval);
        var before = await DirectoryAsync(a.OrganizationId);
        using var opened = await Server.Http.GetAsync($"/api/approvals/{a.One.ApprovalToken}");
        var pending = await opened.Content.ReadFromJsonAsync<JsonElement>();

        // Act: "one" approves, then clicks again (a double click, or the page sent twice).
        using var approved = await Server.PostJsonAsync($"/api/approvals/{a.One.ApprovalToken}", new { decision = "approve", comment = "Welcome aboard" });
        var after = await DirectoryAsync(a.OrganizationId);
        using var again = await Server.PostJsonAsync($"/api/approvals/{a.One.ApprovalToken}", new { decision = "approve" });
        var afterAgain = await DirectoryAsync(a.OrganizationId);

        // Assert: the request said what it is; the admin is a full admin now (a new version of the organization), once.
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal("addAdmin", pending.GetProperty("kind").GetString());
        Assert.Equal($"new@{a.Domain}", pending.GetProperty("requestedAdminEmail").GetString());
        Assert.Equal(a.OrganizationId, pending.GetProperty("organization").GetProperty("id").GetString());
        Assert.False(pending.TryGetProperty("decision", out _));
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        var state = await approved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("approved", "Welcome aboard"), (state.GetProperty("decision").GetString(), state.GetProperty("comment").GetString()));
        Assert.False(IsFullAdmin(before.Body, $"new@{a.Domain}"));
        Assert.True(IsFullAdmin(after.Body, $"new@{a.Domain}"));
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(after.ETag, afterAgain.ETag);

        // The decider's link shows the decision and its comment; deciding otherwise is 409; the other link is 410 decided.
        using var reopened = await Server.Http.GetAsync($"/api/approvals/{a.One.ApprovalToken}");
        var shown = await reopened.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("approved", "Welcome aboard", $"one@{a.Domain}"), (shown.GetProperty("decision").GetString(), shown.GetProperty("comment").GetString(), shown.GetProperty("decidedBy").GetString()));
        using (var otherwise = await Server.PostJsonAsync($"/api/approvals/{a.One.ApprovalToken}", new { decision = "reject" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, otherwise.StatusCode);
        }

        using (var other = await Server.Http.GetAsync($"/api/approvals/{a.Two.ApprovalToken}"))
        {
            Assert.Equal(HttpStatusCode.Gone, other.StatusCode);
            Assert.Equal("decided", await ReasonAsync(other));
        }

        using (var late = await Server.PostJsonAsync($"/api/approvals/{a.Two.ApprovalToken}", new { decision = "reject" }))
        {
            Assert.Equal("decided", await ReasonAsync(late));
        }

        // The contact is told once; the audit says who decided; the order is still completed, assigned.
        var mail = await Server.WaitForMailAsync(a.OrderId, m => m.Any(x => x.Kind == EmailKind.AdminAdditionDecided), "the contact told");
        var told = Assert.Single(mail, m => m.Kind == EmailKind.AdminAdditionDecided);
        Assert.Equal("buyer@acme.com", told.To);
        Assert.Contains("Welcome aboard", told.Text, StringComparison.Ordinal);
        var order = await OrderAsync(a.OrderId);
        Assert.Equal(("Completed", "AssignedPendingAdminAddition", a.OrganizationId), (order.GetProperty("stage").GetString(), order.GetProperty("outcome").GetString(), order.GetProperty("organizationId").GetString()));
        var audit = order.GetProperty("audit").EnumerateArray().Select(e => (Action: e.GetProperty("action").GetString(), Actor: e.GetProperty("actor").GetString())).ToList();
        Assert.Single(audit, e => e == (nameof(AuditAction.AdminAdditionApproved), $"one@{a.Domain}"));
        Assert.Single(audit, e => e.Action == nameof(AuditAction.AdministratorAdded));
    }

    [Fact]
    public async Task Declining_changes_nothing_in_the_directory_keeps_the_subscription_assigned_and_tells_the_contact()
    {
        // Arrange
        var a = await AssignedPendingAdditionAsync("declineadmin");
        var before = await DirectoryAsync(a.OrganizationId);

        // Act
        using var declined = await Server.PostJsonAsync($"/api/approvals/{a.Two.ApprovalToken}", new { decision = "reject", comment = "Not someone we know" });

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, declined.StatusCode);
        Assert.Equal("rejected", (await declined.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("decision").GetString());
        var after = await DirectoryAsync(a.OrganizationId);
        Assert.Equal(before.ETag, after.ETag);
        Assert.False(IsFullAdmin(after.Body, $"new@{a.Domain}"));
        var told = await Server.WaitForMailAsync(a.OrderId, m => m.Any(x => x.Kind == EmailKind.AdminAdditionDecided), "the contact told");
        Assert.Contains("Not someone we know", told.Single(m => m.Kind == EmailKind.AdminAdditionDecided).Text, StringComparison.Ordinal);
        var order = await OrderAsync(a.OrderId);
        Assert.Equal(("Completed", a.OrganizationId), (order.GetProperty("stage").GetString(), order.GetProperty("organizationId").GetString()));
        Assert.Contains(order.GetProperty("audit").EnumerateArray(), e => e.GetProperty("action").GetString() == nameof(AuditAction.AdminAdditionDeclined) && e.GetProperty("detail").GetString() == "Not someone we know");
        using var other = await Server.Http.GetAsync($"/api/approvals/{a.One.ApprovalToken}");
        Assert.Equal("decided", await ReasonAsync(other));
    }

    [Fact]
    public async Task Two_admins_deciding_at_once_exactly_one_wins_and_the_directory_follows_the_winner()
    {
        // Arrange
        var a = await AssignedPendingAdditionAsync("raceadmin");
        var before = await DirectoryAsync(a.OrganizationId);

        // Act: "one" approves while "two" rejects, each sending twice.
        var answers = await Task.WhenAll(
            Server.PostJsonAsync($"/api/approvals/{a.One.ApprovalToken}", new { decision = "approve" }),
            Server.PostJsonAsync($"/api/approvals/{a.Two.ApprovalToken}", new { decision = "reject" }),
            Server.PostJsonAsync($"/api/approvals/{a.One.ApprovalToken}", new { decision = "approve" }),
            Server.PostJsonAsync($"/api/approvals/{a.Two.ApprovalToken}", new { decision = "reject" }));

        // Assert: one admin's two answers are 202, the other's 410 decided; the directory and the audit agree with them.
        try
        {
            var oneWon = answers[0].StatusCode == HttpStatusCode.Accepted;
            var (winners, losers) = oneWon ? ((answers[0], answers[2]), (answers[1], answers[3])) : ((answers[1], answers[3]), (answers[0], answers[2]));
            Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (winners.Item1.StatusCode, winners.Item2.StatusCode));
            Assert.Equal((HttpStatusCode.Gone, HttpStatusCode.Gone), (losers.Item1.StatusCode, losers.Item2.StatusCode));
            Assert.Equal("decided", await ReasonAsync(losers.Item1));
            var after = await DirectoryAsync(a.OrganizationId);
            Assert.Equal(oneWon, IsFullAdmin(after.Body, $"new@{a.Domain}"));
            Assert.Equal(oneWon, before.ETag != after.ETag);
            var order = await OrderAsync(a.OrderId);
            var decisions = order.GetProperty("audit").EnumerateArray().Select(e => e.GetProperty("action").GetString())
                .Where(x => x is nameof(AuditAction.AdminAdditionApproved) or nameof(AuditAction.AdminAdditionDeclined)).ToList();
            Assert.Equal([oneWon ? nameof(AuditAction.AdminAdditionApproved) : nameof(AuditAction.AdminAdditionDeclined)], decisions);
            var mail = await Server.WaitForMailAsync(a.OrderId, m => m.Any(x => x.Kind == EmailKind.AdminAdditionDecided), "the contact told");
            Assert.Single(mail, m => m.Kind == EmailKind.AdminAdditionDecided);
        }
        finally
        {
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_holder_removed_from_the_organization_gets_410_noLongerAdmin_and_an_add_admin_link_opens_no_wizard()
    {
        // Arrange
        var a = await AssignedPendingAdditionAsync("staleadmin");
        var word = a.Domain.Split('.')[0];

        // Act: "one" is no longer an administrator.
        using (var put = await OperatorPutAsync($"/api/organizations/{a.OrganizationId}", Organization(char.ToUpperInvariant(word[0]) + word[1..], a.Domain, $"two@{a.Domain}")))
        {
            Assert.True(put.IsSuccessStatusCode, $"PUT: {put.StatusCode}");
        }

        using var opened = await Server.Http.GetAsync($"/api/approvals/{a.One.ApprovalToken}");
        using var decided = await Server.PostJsonAsync($"/api/approvals/{a.One.ApprovalToken}", new { decision = "approve" });
        using var asWizard = await Server.Http.GetAsync($"/api/wizard/{a.One.ApprovalToken}");

        // Assert
        Assert.Equal("noLongerAdmin", await ReasonAsync(opened));
        Assert.Equal("noLongerAdmin", await ReasonAsync(decided));
        Assert.Equal(HttpStatusCode.NotFound, asWizard.StatusCode);
        using var stillOpen = await Server.Http.GetAsync($"/api/approvals/{a.Two.ApprovalToken}");
        Assert.Equal(HttpStatusCode.OK, stillOpen.StatusCode);
    }

    static bool IsFullAdmin(JsonElement organization, string email) =>
        organization.GetProperty("users").EnumerateArray().Any(u => u.GetProperty("email").GetString() == email
            && u.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "FullAdmin"));

    static async Task<string?> ReasonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
    }

    async Task<(string? ETag, JsonElement Body)> DirectoryAsync(string organizationId)
    {
        using var response = await Server.OperatorGetAsync($"/api/organizations/{organizationId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response.Headers.ETag?.Tag, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    async Task<JsonElement> OrderAsync(string orderId)
    {
        using var response = await Server.OperatorGetAsync($"/api/orders/{orderId}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    async Task<HttpResponseMessage> OperatorPutAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body, options: Json.Options) };
        request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
        return await Server.Http.SendAsync(request);
    }
}
