using Microsoft.Playwright;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>
/// Saves a screenshot of each page state under the test output (TestResults/screenshots/*.png next to the
/// test assembly), so a run leaves a picture of every state it checked; docs/screenshots holds copies.
/// </summary>
public static class Screenshots
{
    /// <summary>Where the screenshots go.</summary>
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    /// <summary>Saves the whole page (or only what the screen shows) as <paramref name="name"/>.png, animations stopped.</summary>
    public static async Task SaveAsync(IPage page, string name, bool fullPage = true)
    {
        ArgumentNullException.ThrowIfNull(page);
        Directory.CreateDirectory(Folder);
        await SkippingTimeoutAsync(name, () => page.ScreenshotAsync(new() { Path = Path.Combine(Folder, name + ".png"), FullPage = fullPage, Animations = ScreenshotAnimations.Disabled, Caret = ScreenshotCaret.Hide, Timeout = 60_000 }));
    }

    /// <summary>Saves one part of a page (scrolled into view) as <paramref name="name"/>.png, animations stopped.</summary>
    public static async Task SaveAsync(ILocator element, string name)
    {
        ArgumentNullException.ThrowIfNull(element);
        Directory.CreateDirectory(Folder);
        await SkippingTimeoutAsync(name, () => element.ScreenshotAsync(new() { Path = Path.Combine(Folder, name + ".png"), Animations = ScreenshotAnimations.Disabled, Caret = ScreenshotCaret.Hide, Timeout = 60_000 }));
    }

    static async Task SkippingTimeoutAsync(string name, Func<Task> screenshot)
    {
        try
        {
            await screenshot();
        }
        catch (TimeoutException e)
        {
            // A screenshot is an artifact, not an assertion: on a starved machine it may not come in time.
            TestContext.Current.SendDiagnosticMessage($"Screenshot {name} skipped: {e.Message.Split('\n')[0]}");
        }
    }
}
