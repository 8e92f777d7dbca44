using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>The wizard form's validation: client-side as the person types, and the server's errors map.</summary>
public sealed class FormTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Form_errors_are_shown_next_to_their_fields()
    {
        var (_, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        var company = page.GetByLabel("Company name");
        var email = page.GetByLabel("Administrator email address");

        // Empty: both fields say what is missing, the first gets focus.
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();
        await Expect(company).ToBeFocusedAsync();
        await Expect(company).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(company).ToHaveAttributeAsync("aria-describedby", new Regex(@"\bcompanyName-error\b"));
        await Expect(page.Locator("#companyName-error")).ToHaveTextAsync(new Regex("Enter the company name."));
        await Expect(page.Locator("#adminEmail-error")).ToHaveTextAsync(new Regex("Enter the administrator email address."));

        // A malformed address is caught when leaving the field; fixing it clears the message.
        await company.FillAsync("Acme Ltd");
        await email.FillAsync("not-an-email");
        await company.FocusAsync();
        await Expect(page.Locator("#adminEmail-error")).ToHaveTextAsync(new Regex("Enter an email address in the form name@company.com."));
        await Expect(page.Locator("#companyName-error")).ToBeHiddenAsync();
        await Screenshots.SaveAsync(page, "wizard-form-errors");
        await email.FillAsync("new@acme.com");
        await Expect(page.Locator("#adminEmail-error")).ToBeHiddenAsync();
        await Expect(email).ToHaveAttributeAsync("aria-invalid", "false");

        // The server's errors map lands next to its field.
        await page.RouteAsync("**/api/wizard/submission", route => route.FulfillAsync(new()
        {
            Status = 400,
            ContentType = "application/problem+json",
            Body = """{"title":"Invalid request","status":400,"detail":"The request has invalid fields; see errors.","errors":{"adminEmail":["The domain of this address cannot receive email."]}}""",
        }));
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();
        await Expect(page.Locator("#adminEmail-error")).ToHaveTextAsync(new Regex("The domain of this address cannot receive email."));
        await Expect(email).ToBeFocusedAsync();
        await Expect(email).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(company).ToHaveValueAsync("Acme Ltd");
        browser.AssertNoProblems();
    }
}
