using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>Rule A: an admin email that already administers organizations.</summary>
public sealed class RuleATests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Admin_of_one_organization_sees_the_subscription_go_to_it()
    {
        var (orderId, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = await web.SubmitAsync(browser, token, "Anything at all", "ana@acme.com");

        var ruleA = page.Locator("[data-state=rule-a-completed]");
        await Expect(ruleA).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(ruleA.Locator("h1")).ToHaveTextAsync(new Regex("The subscription goes to Acme Corporation"));
        await Expect(ruleA).ToContainTextAsync($"ana@acme.com is already a full administrator of the existing organization Acme Corporation, so subscription sub-{orderId} is assigned to it.");
        await Expect(ruleA.Locator(".stage")).ToHaveTextAsync("Completed");
        await Screenshots.SaveAsync(page, "wizard-rule-a");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Admin_of_several_organizations_chooses_one_and_it_is_assigned_at_once()
    {
        var (_, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = await web.SubmitAsync(browser, token, "Globex", "hank@globex.com");

        await Expect(page.Locator("[data-state=choice] h1")).ToHaveTextAsync("Choose one of your organizations");
        await Expect(page.Locator("table.candidates tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("tr[data-organization-id=org-globex-eu] .badge")).ToContainTextAsync("Possibly abandoned");
        await page.GetByRole(AriaRole.Button, new() { Name = "Choose Globex Europe" }).ClickAsync();

        // A possibly abandoned organization needs a second look before it is chosen.
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("this organization looks possibly abandoned");
        await Expect(dialog).ToContainTextAsync("hank@globex.com is already a full administrator of Globex Europe");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Go back" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Choose Globex Europe" })).ToBeFocusedAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Choose Globex US" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, assign to Globex US" }).ClickAsync();
        var completed = page.Locator("[data-state=completed][data-outcome=AssignedToExistingOrganization]");
        await Expect(completed).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(completed).ToContainTextAsync("Globex US");
        browser.AssertNoProblems();
    }
}
