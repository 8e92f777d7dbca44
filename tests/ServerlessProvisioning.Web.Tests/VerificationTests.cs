using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.Notifications;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>The code that proves an admin address other than the contact's own: wrong, dead, new, or not needed.</summary>
public sealed class VerificationTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Wrong_code_shows_the_attempts_left_and_the_right_code_shows_the_candidates()
    {
        var (orderId, token) = await web.NewOrderAsync();
        var admin = $"new-{orderId}@acme.com";
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        await page.GetByLabel("Company name").FillAsync("Acme Ltd");
        await page.GetByLabel("Administrator email address").FillAsync(admin);
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();

        // Where the code went and until when it works; a field made for one-time codes.
        var verification = page.Locator("[data-state=verification]");
        await Expect(verification).ToContainTextAsync($"We sent a 6-digit code to {admin}.");
        await Expect(verification.Locator("dl.facts:not(.facts--inline)")).ToContainTextAsync("The code works until");
        await Expect(verification.Locator(".order .stage")).ToHaveTextAsync("Waiting for the code sent to the administrator");
        var input = page.GetByLabel("Verification code");
        await Expect(input).ToHaveAttributeAsync("inputmode", "numeric");
        await Expect(input).ToHaveAttributeAsync("autocomplete", "one-time-code");

        // Not six digits: said at once, without spending an attempt.
        await input.FillAsync("12345");
        await input.PressAsync("Enter");
        await Expect(page.Locator("#code-error")).ToHaveTextAsync(new Regex("The code is 6 digits, for example 123456."));
        await Expect(input).ToBeFocusedAsync();

        // A wrong code: the attempts left, next to the field, announced, and focus back in the field.
        var code = await WebFixture.CodeAsync(web.Server, orderId, 0);
        await input.FillAsync(WebFixture.WrongCode(code));
        await input.PressAsync("Enter");
        await Expect(page.Locator("#code-error")).ToHaveTextAsync(new Regex("That code is not right. You have 4 attempts left."));
        await Expect(input).ToBeFocusedAsync();
        await Expect(input).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(input).ToHaveAttributeAsync("aria-describedby", new Regex(@"\bcode-error\b"));
        await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex("4 attempts left"));
        await Screenshots.SaveAsync(page, "wizard-verification-wrong");

        // The right one, spaced as some mail clients show it: the candidates.
        await input.FillAsync(code[..3] + " " + code[3..]);
        await input.PressAsync("Enter");
        await Expect(page.Locator("[data-state=choice] h1")).ToHaveTextAsync("Matching organizations");
        await Expect(page.Locator("h1")).ToBeFocusedAsync();
        await Expect(page.Locator("tr[data-organization-id=org-acme]")).ToBeVisibleAsync();
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 180_000)]
    public async Task Dead_code_at_phone_width_offers_a_new_code_that_works()
    {
        var (orderId, token) = await web.NewOrderAsync();
        var admin = $"new-{orderId}@acme.com";
        await using var browser = await web.NewPageAsync(width: 360, height: 780);
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        await page.GetByLabel("Company name").FillAsync("Acme Ltd");
        await page.GetByLabel("Administrator email address").FillAsync(admin);
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();

        // Five wrong codes kill it.
        var input = page.GetByLabel("Verification code");
        var wrong = WebFixture.WrongCode(await WebFixture.CodeAsync(web.Server, orderId, 0));
        for (var left = 4; left >= 1; left--)
        {
            await input.FillAsync(wrong);
            await input.PressAsync("Enter");
            await Expect(page.Locator("#code-error")).ToHaveTextAsync(new Regex(left == 1 ? "You have 1 attempt left." : $"You have {left} attempts left."));
        }

        await input.FillAsync(wrong);
        await input.PressAsync("Enter");
        var dead = page.Locator("[data-state=verification-dead]");
        await Expect(dead.Locator("h1")).ToHaveTextAsync(new Regex("This code no longer works"));
        await Expect(dead).ToContainTextAsync($"Too many wrong codes were entered for {admin}, so that code was blocked.");
        await Expect(page.Locator("h1")).ToBeFocusedAsync();
        await Expect(page.Locator("#code")).ToHaveCountAsync(0);
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        await Screenshots.SaveAsync(page, "wizard-verification-dead");

        // The same link, opened by a Spanish reader.
        await using (var spanish = await web.NewPageAsync(locale: "es-ES"))
        {
            await spanish.Page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
            var muerto = spanish.Page.Locator("[data-state=verification-dead]");
            await Expect(muerto.Locator("h1")).ToHaveTextAsync(new Regex("Este código ya no funciona"));
            await Expect(muerto).ToContainTextAsync("Se introdujeron demasiados códigos incorrectos");
            await Expect(muerto.GetByRole(AriaRole.Button, new() { Name = "Enviar un código nuevo" })).ToBeVisibleAsync();
            spanish.AssertNoProblems();
        }

        // A new code: the same details again. The note says so, and the new code works.
        await dead.GetByRole(AriaRole.Button, new() { Name = "Send a new code" }).ClickAsync();
        await Expect(page.Locator("[data-banner=new-code]")).ToContainTextAsync($"We sent a new code to {admin}. Codes sent before it no longer work.");
        await Expect(page.Locator("[data-state=verification] h1")).ToBeFocusedAsync();
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        await input.FillAsync(await WebFixture.CodeAsync(web.Server, orderId, 1));
        await input.PressAsync("Enter");
        await Expect(page.Locator("[data-state=choice] h1")).ToHaveTextAsync("Matching organizations");
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Contacts_own_address_needs_no_code()
    {
        var (orderId, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        // A name whose key (its first 5 characters) no other order's organization has.
        await page.GetByLabel("Company name").FillAsync($"{orderId[4..]} Trading");
        // The contact's own address, written another way: the same person.
        await page.GetByLabel("Administrator email address").FillAsync($"Buyer-{orderId}@EXAMPLE.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();

        var empty = page.Locator("[data-state=choice-empty]");
        await Expect(empty).ToBeVisibleAsync();
        await Expect(empty.Locator("dl.facts:not(.facts--inline)")).ToContainTextAsync($"buyer-{orderId}@example.com");
        Assert.DoesNotContain(await web.Server.MailAsync(orderId), m => m.Kind == EmailKind.AdminEmailVerification);
        browser.AssertNoProblems();
    }
}
