using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Playwright;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Testing;
using static Microsoft.Playwright.Assertions;

[assembly: AssemblyFixture(typeof(ServerlessProvisioning.Web.Tests.WebFixture))]

namespace ServerlessProvisioning.Web.Tests;

/// <summary>
/// One headless Chromium and one local host (a real process on its own Azurite, seeded with
/// samples/organizations.json) for the whole assembly. Tests isolate themselves with unique order ids
/// and browser contexts of their own.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    IPlaywright? playwright;
    IBrowser? browser;
    DevServerProcess? server;

    /// <summary>The local host with the sample organizations.</summary>
    public DevServerProcess Server => server ?? throw new InvalidOperationException("Not started.");

    /// <summary>The shared browser.</summary>
    public IBrowser Browser => browser ?? throw new InvalidOperationException("Not started.");

    /// <summary>samples/organizations.json.</summary>
    public static string SeedPath => Path.Combine(AzuriteProcess.FindRepositoryRoot() ?? throw new InvalidOperationException("Repository root not found."), "samples", "organizations.json");

    public async ValueTask InitializeAsync()
    {
        // The host takes seconds to start; launch the browser meanwhile.
        var starting = DevServerProcess.StartAsync(seed: SeedPath);
        playwright = await Playwright.CreateAsync();
        browser = await LaunchAsync(playwright);
        server = await starting;
        // Generous: the workflow runs on Azurite queues, and CI machines are often busy.
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Debian's Chromium, headless, with the background traffic a closed network cannot answer turned off.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

    /// <summary>A fresh browser context (its own storage, so its own language choice) and page.</summary>
    public Task<BrowserPage> NewPageAsync(string locale = "en-GB", int width = 1280, int height = 900) => BrowserPage.OpenAsync(Browser, locale, width, height);

    /// <summary>Posts a signed order and returns its id and the wizard token of its invitation.</summary>
    public Task<(string OrderId, string WizardToken)> NewOrderAsync(string scenario = "CustomerSelf", string locale = "en") => NewOrderAsync(Server, scenario, locale);

    /// <summary>Posts a signed order to <paramref name="host"/> and waits for the invitation.</summary>
    public static async Task<(string OrderId, string WizardToken)> NewOrderAsync(DevServerProcess host, string scenario = "CustomerSelf", string locale = "en")
    {
        ArgumentNullException.ThrowIfNull(host);
        var orderId = "web-" + Guid.NewGuid().ToString("N")[..12];
        using var response = await host.PostOrderAsync(new { orderId, subscriptionId = "sub-" + orderId, provisioningContactEmail = $"buyer-{orderId}@example.com", scenario, locale });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var mail = await host.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.Invitation), "the invitation");
        return (orderId, mail.First(e => e.Kind == EmailKind.Invitation).WizardToken!);
    }

    /// <summary>
    /// Opens the wizard of <paramref name="token"/>, submits a company name and admin email and, when the page asks for
    /// the code sent to the admin address, enters the one in the mailbox (as the address's owner would pass it on).
    /// Returns once the page shows what follows.
    /// </summary>
    public Task<IPage> SubmitAsync(BrowserPage browser, string token, string company, string admin) => SubmitAsync(Server, browser, token, company, admin);

    /// <summary><see cref="SubmitAsync(BrowserPage, string, string, string)"/> on another host.</summary>
    public static async Task<IPage> SubmitAsync(DevServerProcess host, BrowserPage browser, string token, string company, string admin)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(browser);
        var page = browser.Page;
        var orderId = (await WizardStateAsync(host, token)).OrderId;
        var codesBefore = await CodeCountAsync(host, orderId);
        await page.GotoAsync($"{host.BaseUrl}/wizard/#t={token}");
        // By id, not label, so the helper works in either language.
        await page.Locator("#companyName").FillAsync(company);
        await page.Locator("#adminEmail").FillAsync(admin);
        await page.Locator("[data-state=form] button[type=submit]").ClickAsync();
        await Expect(page.Locator(Settled)).ToBeVisibleAsync(new() { Timeout = 45_000 });
        if (await page.Locator("[data-state=verification]").CountAsync() > 0)
        {
            await EnterCodeAsync(host, page, orderId, codesBefore);
        }

        return page;
    }

    /// <summary>A screen that is neither loading, the form, nor on its way to the next step.</summary>
    public const string Settled = "#view > section:not([data-state=loading]):not([data-state=form]):not([data-state=matching]):not([data-state=verifying]):not([data-state=resending])";

    /// <summary>Enters the newest code the mailbox has for the order (after <paramref name="codesBefore"/> of them) and waits for what follows.</summary>
    public static async Task EnterCodeAsync(DevServerProcess host, IPage page, string orderId, int codesBefore)
    {
        ArgumentNullException.ThrowIfNull(page);
        var code = await CodeAsync(host, orderId, codesBefore);
        await page.Locator("#code").FillAsync(code);
        await page.Locator("[data-state=verification] button[type=submit]").ClickAsync();
        await Expect(page.Locator(Settled + ":not([data-state=verification])")).ToBeVisibleAsync(new() { Timeout = 45_000 });
    }

    /// <summary>How many verification codes the order's emails have carried so far.</summary>
    public static async Task<int> CodeCountAsync(DevServerProcess host, string orderId)
    {
        ArgumentNullException.ThrowIfNull(host);
        return (await host.MailAsync(orderId)).Count(m => m.Kind == EmailKind.AdminEmailVerification);
    }

    /// <summary>Waits for a code after the first <paramref name="codesBefore"/> and returns the newest.</summary>
    public static async Task<string> CodeAsync(DevServerProcess host, string orderId, int codesBefore)
    {
        ArgumentNullException.ThrowIfNull(host);
        var mail = await host.WaitForMailAsync(orderId, m => m.Count(e => e.Kind == EmailKind.AdminEmailVerification) > codesBefore, "the verification code");
        return mail.Last(e => e.Kind == EmailKind.AdminEmailVerification).VerificationCode!;
    }

    /// <summary>A code that is certainly wrong: every digit of the right one, plus one.</summary>
    public static string WrongCode(string code) => new([.. (code ?? string.Empty).Select(c => (char)('0' + ((c - '0' + 1) % 10)))]);

    /// <summary>The wizard's state as the API gives it, asked the way the page asks (the token in Authorization: Bearer).</summary>
    public static async Task<WizardState> WizardStateAsync(DevServerProcess host, string token)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/wizard");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await host.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<WizardState>(Json.Options))!;
    }
}
