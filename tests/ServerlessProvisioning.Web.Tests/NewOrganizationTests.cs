using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>Rule B with nothing (or only a same-name free-mail organization) to offer.</summary>
public sealed class NewOrganizationTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Nothing_matches_so_the_contact_creates_a_new_organization()
    {
        var (orderId, token) = await web.NewOrderAsync();
        var company = "Zyxwv " + orderId;
        var admin = $"boss@{orderId}.example";
        await using var browser = await web.NewPageAsync();
        var page = await web.SubmitAsync(browser, token, company, admin);

        var empty = page.Locator("[data-state=choice-empty]");
        await Expect(empty.Locator("h1")).ToHaveTextAsync("No existing organization matches");
        await Expect(empty).ToContainTextAsync("You can create a new organization.");
        await Expect(page.Locator("table.candidates")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "wizard-no-match");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create a new organization" }).ClickAsync();

        var completed = page.Locator("[data-state=completed][data-outcome=AssignedToNewOrganization]");
        await Expect(completed).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(completed).ToContainTextAsync($"We created the new organization {company} with {admin} as its full administrator, and assigned subscription sub-{orderId} to it.");
        await Screenshots.SaveAsync(page, "wizard-new-organization");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Free_mail_address_shows_the_notice()
    {
        var (_, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = await web.SubmitAsync(browser, token, "Smith Plumbing", "owner.smith@gmail.com");

        await Expect(page.Locator(".notice")).ToContainTextAsync("gmail.com is a free-mail domain");
        await Expect(page.Locator("tr[data-organization-id=org-smith] .col-name")).ToContainTextAsync("exactly the same name");

        // A stranger at gmail.com sees the firm's administrator by name, the address masked and not as a link.
        var admins = page.Locator("tr[data-organization-id=org-smith] .col-admins");
        await Expect(admins.Locator(".admin-name")).ToHaveTextAsync("John Smith");
        await Expect(admins.Locator(".admin-email")).ToHaveTextAsync("s•••@gmail.com");
        await Expect(admins.Locator("a")).ToHaveCountAsync(0);
        await Expect(admins).Not.ToContainTextAsync("smith.plumbing");
        browser.AssertNoProblems();
    }
}
