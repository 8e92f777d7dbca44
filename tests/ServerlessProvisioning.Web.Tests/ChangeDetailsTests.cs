using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>Until an organization is chosen, the company details can be changed; a new submission replaces the previous one.</summary>
public sealed class ChangeDetailsTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Change_from_the_candidates_fixes_a_typo_in_the_company_name()
    {
        var (orderId, token) = await web.NewOrderAsync();
        var admin = $"new-{orderId}@acme.com";
        await using var browser = await web.NewPageAsync();
        var page = await web.SubmitAsync(browser, token, "Acme Ltf", admin);
        var choice = page.Locator("[data-state=choice]");
        await Expect(choice).ToContainTextAsync("These existing organizations match “Acme Ltf”");

        // The form comes back filled with what was sent.
        await choice.GetByRole(AriaRole.Button, new() { Name = "Change the details" }).ClickAsync();
        var change = page.Locator("[data-state=form][data-mode=change]");
        await Expect(change.Locator("h1")).ToHaveTextAsync("Change the company details");
        await Expect(page.Locator("h1")).ToBeFocusedAsync();
        await Expect(change).ToContainTextAsync("They replace what you sent before");
        await Expect(page.GetByLabel("Company name")).ToHaveValueAsync("Acme Ltf");
        await Expect(page.GetByLabel("Administrator email address")).ToHaveValueAsync(admin);
        await Screenshots.SaveAsync(page, "wizard-change");

        // Keeping them goes back to the candidates as they were.
        await change.GetByRole(AriaRole.Button, new() { Name = "Keep the details I sent" }).ClickAsync();
        await Expect(choice).ToContainTextAsync("These existing organizations match “Acme Ltf”");

        // Fixing the typo replaces the submission; the address was proven by its code already, so no new code.
        await choice.GetByRole(AriaRole.Button, new() { Name = "Change the details" }).ClickAsync();
        await page.GetByLabel("Company name").FillAsync("Acme Ltd");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send the new details" }).ClickAsync();
        await Expect(choice).ToContainTextAsync("These existing organizations match “Acme Ltd”");
        Assert.Single(await web.Server.MailAsync(orderId), m => m.Kind == ServerlessProvisioning.Notifications.EmailKind.AdminEmailVerification);
        await Expect(choice.Locator("dl.facts:not(.facts--inline)")).ToContainTextAsync("Acme Ltd");
        Assert.Equal("Acme Ltd", (await WebFixture.WizardStateAsync(web.Server, token)).Submission!.CompanyName);
        browser.AssertNoProblems();
    }
}
