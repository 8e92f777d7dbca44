using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>
/// A page in a browser context of its own, in a given locale and viewport, that records what would go
/// unnoticed in a browser: script errors and console errors (a Content-Security-Policy violation is one).
/// </summary>
public sealed partial class BrowserPage : IAsyncDisposable
{
    readonly List<string> problems = [];

    BrowserPage(IBrowserContext context, IPage page)
    {
        // Captured here: Playwright raises its events outside the test's async context.
        var output = TestContext.Current.TestOutputHelper;
        Context = context;
        Page = page;
        page.PageError += (_, error) => Record("page error: " + error);
        page.Console += (_, message) =>
        {
            // Failed API calls (404, 410…) are expected in some tests; the browser logs each one.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                Record("console: " + message.Text);
            }
        };
        // Every API answer goes to the test's output, so a failing test shows what the page was told.
        page.Response += (_, response) =>
        {
            if (output is null || !response.Url.Contains("/api/", StringComparison.Ordinal))
            {
                return;
            }

            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {response.Request.Method} {Redact(response.Url)} → {response.Status}");
            }
            catch (InvalidOperationException)
            {
                // The test has ended (a poll answered late): an exception here would break the browser connection.
            }
        };
    }

    // Tokens are credentials; the output keeps only their start.
    static string Redact(string url) => TokenInPath().Replace(url, m => m.Groups[1].Value + m.Groups[2].Value[..Math.Min(6, m.Groups[2].Value.Length)] + "…");

    [GeneratedRegex(@"(/api/(?:wizard|approvals)/)([^/?#]+)")]
    private static partial Regex TokenInPath();

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Script and console errors seen so far.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (problems)
            {
                return [.. problems];
            }
        }
    }

    public static async Task<BrowserPage> OpenAsync(IBrowser browser, string locale, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var context = await browser.NewContextAsync(new()
        {
            Locale = locale,
            TimezoneId = "UTC",
            ViewportSize = new() { Width = width, Height = height },
        });
        return new BrowserPage(context, await context.NewPageAsync());
    }

    /// <summary>A second tab in the same context (same storage).</summary>
    public async Task<IPage> NewTabAsync() => await Context.NewPageAsync();

    /// <summary>Fails the test when the page reported script or console errors.</summary>
    public void AssertNoProblems() => Assert.True(Problems.Count == 0, "The page reported problems:" + Environment.NewLine + string.Join(Environment.NewLine, Problems));

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();

    void Record(string problem)
    {
        lock (problems)
        {
            problems.Add(problem);
        }
    }
}
