using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>Steps and checks several tests take: moving by keyboard, fitting the screen, choosing an organization.</summary>
public static class PageSteps
{
    /// <summary>Presses Tab (a few times at most) until the element with <paramref name="id"/> has focus.</summary>
    public static Task TabToAsync(IPage page, string id) => TabUntilFocusedAsync(page, page.Locator("#" + id));

    /// <summary>Presses Tab (a dozen times at most) until <paramref name="target"/> has focus.</summary>
    public static async Task TabUntilFocusedAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 12 && !await target.EvaluateAsync<bool>("element => element === document.activeElement"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        await Expect(target).ToBeFocusedAsync();
    }

    /// <summary>Fails when the page scrolls sideways.</summary>
    public static async Task AssertNoHorizontalScrollAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("[document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"the page scrolls sideways ({widths[0]} > {widths[1]})");
    }

    /// <summary>Chooses a candidate and confirms; returns once the page waits for the existing administrator.</summary>
    public static async Task ChooseAsync(IPage page, string organization)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Choose " + organization, Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, assign to " + organization }).ClickAsync();
        await Expect(page.Locator("[data-state=waiting]")).ToBeVisibleAsync();
    }
}
