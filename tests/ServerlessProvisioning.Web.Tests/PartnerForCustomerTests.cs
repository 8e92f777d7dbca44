using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>A partner provisioning for its customer continues without the existing admin's approval.</summary>
public sealed class PartnerForCustomerTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Partner_for_customer_continues_and_is_told_to_contact_the_existing_admin()
    {
        var (orderId, token) = await web.NewOrderAsync("PartnerForCustomer");
        var admin = $"it-{orderId}@telefonica.es";
        await using var browser = await web.NewPageAsync();
        var page = await web.SubmitAsync(browser, token, "Telefónica", admin);

        await Expect(page.Locator(".policy")).ToContainTextAsync("the subscription is still assigned, and the existing administrator is asked to add");
        await page.GetByRole(AriaRole.Button, new() { Name = "Choose Telefónica S.A." }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("The subscription is assigned to Telefónica S.A. now.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, assign" }).ClickAsync();

        var completed = page.Locator("[data-state=completed][data-outcome=AssignedPendingAdminAddition]");
        await Expect(completed).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(completed).ToContainTextAsync($"{admin} was not added as an administrator automatically");
        await Expect(completed.Locator(".next-steps")).ToContainTextAsync("you can continue with the provisioning process. However, you must contact the existing administrator so that they add the new user.");
        await Screenshots.SaveAsync(page, "wizard-pending-admin-addition");
        browser.AssertNoProblems();
    }
}
