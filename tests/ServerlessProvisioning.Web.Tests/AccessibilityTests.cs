using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>Keyboard use, a 360 px screen, landmarks and visible focus.</summary>
public sealed class AccessibilityTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task At_360_pixels_the_form_and_the_code_work_by_keyboard_and_candidates_are_cards()
    {
        var (orderId, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync(width: 360, height: 780);
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        await Expect(page.Locator("[data-state=form]")).ToBeVisibleAsync();
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        await Screenshots.SaveAsync(page, "wizard-form-narrow", fullPage: false);

        // Keyboard only: Tab to the first field, type, Tab, type, Enter.
        await PageSteps.TabToAsync(page, "companyName");
        await Expect(page.GetByLabel("Company name")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("Acme Ltd");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Administrator email address")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("keyboard@acme.com");
        await page.Keyboard.PressAsync("Enter");

        // The code step: focus on its heading, then Tab to the field, type the code, Enter.
        await Expect(page.Locator("[data-state=verification] h1")).ToBeFocusedAsync();
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        await Screenshots.SaveAsync(page, "wizard-verification-narrow", fullPage: false);
        var code = await WebFixture.CodeAsync(web.Server, orderId, 0);
        await PageSteps.TabToAsync(page, "code");
        await page.Keyboard.TypeAsync(code);
        await page.Keyboard.PressAsync("Enter");

        // Each candidate is a card: stacked, within the screen, its values labelled.
        await Expect(page.Locator("[data-state=choice] h1")).ToBeFocusedAsync();
        var rows = page.Locator("table.candidates tbody tr");
        await Expect(rows.First).ToBeVisibleAsync();
        Assert.Equal("block", await rows.First.EvaluateAsync<string>("row => getComputedStyle(row).display"));
        Assert.Equal("Account created", await page.Locator("tr[data-organization-id=org-acme] .col-created").EvaluateAsync<string>("cell => getComputedStyle(cell, '::before').content.replaceAll('\"', '')"));
        var first = (await rows.Nth(0).BoundingBoxAsync())!;
        var second = (await rows.Nth(1).BoundingBoxAsync())!;
        Assert.True(second.Y >= first.Y + first.Height, "cards are stacked");
        Assert.True(first.X >= 0 && first.X + first.Width <= 360, $"card fits the screen ({first.X}+{first.Width})");
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        await page.EvaluateAsync("() => document.querySelector('table.candidates tbody tr').scrollIntoView({ block: 'start' })");
        await Screenshots.SaveAsync(page, "wizard-candidates-narrow", fullPage: false);

        // Choosing works by keyboard too: the dialog takes focus, Escape returns it.
        var choose = page.GetByRole(AriaRole.Button, new() { Name = "Choose Acme Corporation" });
        await choose.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, assign to Acme Corporation" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await Expect(choose).ToBeFocusedAsync();
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 150_000)]
    public async Task At_360_pixels_changing_the_details_and_withdrawing_work_by_keyboard()
    {
        var (orderId, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync(width: 360, height: 780);
        var page = await web.SubmitAsync(browser, token, "Acme Ltd", $"narrow-{orderId}@acme.com");
        await Expect(page.Locator("[data-state=choice] h1")).ToBeFocusedAsync();

        // Change: the form comes back filled, fits the screen, and "Keep" returns to the candidates.
        await PageSteps.TabUntilFocusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Change the details" }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-state=form][data-mode=change] h1")).ToBeFocusedAsync();
        await Expect(page.GetByLabel("Company name")).ToHaveValueAsync("Acme Ltd");
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        await PageSteps.TabUntilFocusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Keep the details I sent" }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-state=choice] h1")).ToBeFocusedAsync();

        // Choose, then withdraw: the confirmation fits, starts on "Go back", and Shift+Tab reaches "Yes".
        await page.GetByRole(AriaRole.Button, new() { Name = "Choose Acme Corporation" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, assign to Acme Corporation" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-state=waiting] h1")).ToBeFocusedAsync();
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        await PageSteps.TabUntilFocusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Withdraw the request" }));
        var outline = await page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).outlineWidth");
        Assert.Equal("solid 3px", outline);
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Go back" })).ToBeFocusedAsync();
        var box = (await dialog.BoundingBoxAsync())!;
        Assert.True(box.X >= 0 && box.X + box.Width <= 360, $"the dialog fits the screen ({box.X}+{box.Width})");
        await Screenshots.SaveAsync(page, "wizard-withdraw-confirm-narrow", fullPage: false);
        await page.Keyboard.PressAsync("Shift+Tab");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, withdraw the request" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-state=choice] h1")).ToBeFocusedAsync();
        await Expect(page.Locator(".withdrawn-note")).ToBeVisibleAsync();
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Pages_name_their_regions_and_keep_focus_visible()
    {
        var (_, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        await Expect(page.Locator("[data-state=form]")).ToBeVisibleAsync();

        await Expect(page.Locator("#status[aria-live=polite]")).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Main)).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Banner)).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        var outline = await page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).outlineWidth");
        Assert.Equal("solid 3px", outline);
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Text_contrast_is_at_least_4_5_to_1()
    {
        var (orderId, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        var failures = new List<string>();
        async Task CheckAsync() => failures.AddRange(await page.EvaluateAsync<string[]>(ContrastScript));

        // The code step, with a wrong code's message.
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        await page.GetByLabel("Company name").FillAsync("Acme Ltd");
        await page.GetByLabel("Administrator email address").FillAsync($"contrast-{orderId}@acme.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();
        var code = await WebFixture.CodeAsync(web.Server, orderId, 0);
        await page.GetByLabel("Verification code").FillAsync(WebFixture.WrongCode(code));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm the code" }).ClickAsync();
        await Expect(page.Locator("#code-error")).ToBeVisibleAsync();
        await CheckAsync();

        // The candidates, and the confirmation with its possibly-abandoned warning.
        await page.GetByLabel("Verification code").FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm the code" }).ClickAsync();
        await Expect(page.Locator("[data-state=choice] .badge").First).ToBeVisibleAsync();
        await CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Choose ACME, Inc." }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await CheckAsync();
        await page.Keyboard.PressAsync("Escape");

        // Waiting, the withdrawal's confirmation, and the candidates again with the note that it was withdrawn.
        await page.GetByRole(AriaRole.Button, new() { Name = "Choose Acme Corporation" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, assign to Acme Corporation" }).ClickAsync();
        await Expect(page.Locator("[data-state=waiting]")).ToBeVisibleAsync();
        await CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw the request" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await CheckAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, withdraw the request" }).ClickAsync();
        await Expect(page.Locator("[data-state=choice] .withdrawn-note")).ToBeVisibleAsync();
        await CheckAsync();
        Assert.True(failures.Count == 0, "Text below 4.5:1 (3:1 when large):" + Environment.NewLine + string.Join(Environment.NewLine, failures));
        browser.AssertNoProblems();
    }

    // For every element with its own visible text: its colour against the first opaque background behind it.
    internal const string ContrastScript = """
        () => {
          const rgb = value => (value.match(/[\d.]+/g) || []).map(Number);
          const luminance = ([r, g, b]) => {
            const [R, G, B] = [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * R + 0.7152 * G + 0.0722 * B;
          };
          const background = element => {
            for (let e = element; e; e = e.parentElement) {
              const c = rgb(getComputedStyle(e).backgroundColor);
              if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
            }
            return [255, 255, 255];
          };
          const failures = [];
          const inDialog = document.querySelector('dialog[open]');
          for (const element of document.querySelectorAll('body *')) {
            const text = [...element.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
            if (!text || element.closest('.visually-hidden') || element.getClientRects().length === 0) continue;
            if (inDialog && !element.closest('dialog')) continue; // behind the modal's backdrop
            const style = getComputedStyle(element);
            const fg = luminance(rgb(style.color).slice(0, 3));
            const bg = luminance(background(element));
            const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
            const size = parseFloat(style.fontSize);
            const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
            if (ratio < (large ? 3 : 4.5)) failures.push(`${ratio.toFixed(2)} ${element.tagName.toLowerCase()}.${element.className} "${text.slice(0, 40)}"`);
          }
          return failures;
        }
        """;
}
