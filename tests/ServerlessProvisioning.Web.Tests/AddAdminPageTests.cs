using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Testing;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>
/// PartnerForCustomer's one-click add on the approval page: the AddAdminRequest's link says it is a request to add an
/// administrator, adds them in one click, and asks before declining.
/// </summary>
public sealed class AddAdminPageTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task The_existing_admin_adds_the_new_admin_in_one_click_from_the_email()
    {
        var (organizationId, newAdmin, request) = await AssignedPendingAdditionAsync();
        await using var approver = await web.NewPageAsync();
        var page = approver.Page;
        await page.GotoAsync(request.Links.Approval!);

        var pending = page.Locator("[data-state=request][data-kind=addAdmin]");
        await Expect(pending.Locator("h1")).ToHaveTextAsync("Add a new administrator");
        await Expect(pending.Locator("#question")).ToHaveTextAsync($"Add {newAdmin} as a full administrator of {organizationId[4..]} Ltd?", new() { IgnoreCase = true });
        await Expect(pending).ToContainTextAsync("stays assigned to");
        await Screenshots.SaveAsync(page, "approval-add-admin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add as administrator" }).ClickAsync();

        var decided = page.Locator("[data-state=decided][data-kind=addAdmin][data-decision=approved]");
        await Expect(decided.Locator("h1")).ToHaveTextAsync(new Regex("You added the administrator"));
        await Expect(decided).ToContainTextAsync($"{newAdmin} is now a full administrator");
        await Screenshots.SaveAsync(page, "approval-add-admin-decided");
        using (var response = await web.Server.OperatorGetAsync($"/api/organizations/{organizationId}"))
        {
            var organization = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(organization.GetProperty("users").EnumerateArray(), u => u.GetProperty("email").GetString() == newAdmin
                && u.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "FullAdmin"));
        }

        // Opened again later, the link still shows what was decided.
        await page.ReloadAsync();
        await Expect(page.Locator("[data-state=decided][data-decision=approved]")).ToBeVisibleAsync();
        approver.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Declining_asks_first_and_the_decided_request_shows_its_comment()
    {
        var (_, newAdmin, request) = await AssignedPendingAdditionAsync();
        await using var approver = await web.NewPageAsync();
        var page = approver.Page;
        await page.GotoAsync(request.Links.Approval!);
        await page.GetByLabel("Comment (optional)").FillAsync("We do not know them.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.Locator("h2")).ToContainTextAsync($"Decline adding {newAdmin}");
        await Expect(dialog).ToContainTextAsync("stays assigned");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Go back" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-state=request]")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, decline" }).ClickAsync();
        var decided = page.Locator("[data-state=decided][data-kind=addAdmin][data-decision=rejected]");
        await Expect(decided.Locator("h1")).ToHaveTextAsync(new Regex("You declined the request"));
        await Expect(decided.Locator(".comment blockquote")).ToHaveTextAsync("We do not know them.");
        approver.AssertNoProblems();
    }

    // An organization of the test's own (so approving changes nobody else's), a PartnerForCustomer order assigned to
    // it through the API, and its admin's AddAdminRequest.
    async Task<(string OrganizationId, string NewAdmin, MailboxEntry Request)> AssignedPendingAdditionAsync()
    {
        var word = "Pfc" + Guid.NewGuid().ToString("N")[..6];
        var domain = word.ToLowerInvariant() + ".example";
        var organizationId = $"org-{word.ToLowerInvariant()}";
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/api/organizations/{organizationId}"))
        {
            put.Content = JsonContent.Create(new
            {
                name = $"{word} Ltd",
                type = "Customer",
                createdAt = "2020-01-01T00:00:00Z",
                users = new[] { new { email = $"boss@{domain}", name = "Bea Boss", roles = new[] { "FullAdmin" } } },
            }, options: Json.Options);
            put.Headers.Add("x-functions-key", LocalHost.OperatorKey);
            using var written = await web.Server.Http.SendAsync(put);
            Assert.True(written.IsSuccessStatusCode, $"PUT: {written.StatusCode}");
        }

        var (orderId, token) = await web.NewOrderAsync("PartnerForCustomer");
        var newAdmin = $"new@{domain}";
        using (var submitted = await web.Server.SubmitAsync(token, new { companyName = word, adminEmail = newAdmin }))
        {
            Assert.True(submitted.IsSuccessStatusCode, $"submission: {submitted.StatusCode}");
        }

        await Eventually.WaitAsync(() => WebFixture.WizardStateAsync(web.Server, token), s => s.Stage == Provisioning.ProvisioningStage.AwaitingOrganizationChoice, TimeSpan.FromSeconds(60), "the candidates");
        using (var chosen = await web.Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId }))
        {
            Assert.True(chosen.IsSuccessStatusCode, $"choice: {chosen.StatusCode}");
        }

        var mail = await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.AddAdminRequest), "the add-admin request");
        return (organizationId, newAdmin, mail.Single(e => e.Kind == EmailKind.AddAdminRequest));
    }
}
