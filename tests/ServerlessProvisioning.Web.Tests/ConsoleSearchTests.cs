using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>The console's one search box, the "expiring within 48 h" view, the phone layout and the Spanish timeline.</summary>
public sealed partial class ConsoleSearchTests(WebFixture web)
{
    const string Key = LocalHost.OperatorKey;

    string ConsoleUrl => $"{web.Server.BaseUrl}/console/";

    async Task<IPage> SignedInAsync(BrowserPage browser, string fragment = "#/orders")
    {
        var page = browser.Page;
        await page.GotoAsync($"{ConsoleUrl}#key={Key}");
        await Expect(page.Locator("[data-state=orders]")).ToBeVisibleAsync();
        if (fragment != "#/orders")
        {
            await page.GotoAsync(ConsoleUrl + fragment);
        }

        return page;
    }

    async Task<OrderView> OrderAsync(string orderId)
    {
        using var response = await web.Server.OperatorGetAsync($"/api/orders/{orderId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<OrderView>(Json.Options))!;
    }

    async Task<string> OperatorGetTextAsync(string path)
    {
        using var response = await web.Server.OperatorGetAsync(path);
        return await response.Content.ReadAsStringAsync();
    }

    async Task<HttpResponseMessage> OperatorPostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json.Options) };
        request.Headers.Add("x-functions-key", Key);
        return await web.Server.Http.SendAsync(request);
    }

    static async Task SearchAsync(IPage page, string text)
    {
        await page.GetByLabel("Find an order or an organization").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Find", Exact = true }).ClickAsync();
    }

    [Fact(Timeout = 180_000)]
    public async Task One_box_finds_an_order_by_contact_subscription_and_company_and_an_organization_by_name()
    {
        var (orderId, token) = await web.NewOrderAsync();
        var company = $"Zeta Widgets {orderId}";
        using (var submitted = await web.Server.SubmitAsync(token, new { companyName = company, adminEmail = $"admin@{orderId}.example.org" }))
        {
            Assert.True(submitted.IsSuccessStatusCode, $"submission: {submitted.StatusCode}");
        }

        await Eventually.WaitAsync(() => OperatorGetTextAsync($"/api/orders?company={Uri.EscapeDataString(company)}"), body => body.Contains(orderId, StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the company indexed");
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser);

        // An address, typed in another case: the contact's orders.
        await SearchAsync(page, $"Buyer-{orderId}@EXAMPLE.com");
        await Expect(page.Locator($"[data-state=search] [data-results=contact] tr[data-order='{orderId}']")).ToBeVisibleAsync();
        var row = page.Locator($"tr[data-order='{orderId}']");
        await Expect(row.Locator("td[data-label=Contact]")).ToHaveTextAsync($"buyer-{orderId}@example.com");
        await Expect(row.Locator("td[data-label=Subscription]")).ToHaveTextAsync($"sub-{orderId}");
        await Expect(row.Locator("td[data-label=Organization]")).ToContainTextAsync(company);
        await Expect(row.Locator("td[data-label=Deadline] time")).ToHaveCountAsync(1);
        await Screenshots.SaveAsync(page, "console-search");

        await SearchAsync(page, $"sub-{orderId}");
        await Expect(page.Locator($"[data-results=subscription] tr[data-order='{orderId}']")).ToBeVisibleAsync();

        // The beginning of the typed company name, folded (case, spacing).
        await SearchAsync(page, $"zeta  WIDGETS {orderId[..8]}");
        await Expect(page.Locator($"[data-results=company] tr[data-order='{orderId}']")).ToBeVisibleAsync();

        await SearchAsync(page, "acme corp");
        var organizations = page.Locator("[data-results=organization]");
        await Expect(organizations.GetByRole(AriaRole.Link, new() { Name = "Acme Corporation", Exact = true })).ToBeVisibleAsync();

        await SearchAsync(page, "nothing-like-this-" + orderId);
        await Expect(page.Locator("[data-empty=search]")).ToBeVisibleAsync();

        // An exact order id opens the order.
        await SearchAsync(page, orderId);
        await Expect(page.Locator("[data-state=order] h1")).ToHaveTextAsync($"Order {orderId}");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 150_000)]
    public async Task The_expiring_view_lists_an_order_due_soon_before_later_ones()
    {
        var (orderId, _) = await web.NewOrderAsync();
        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Actions?.MoveDeadline == true, TimeSpan.FromSeconds(60), "the deadline can be moved");
        var soon = DateTimeOffset.UtcNow.AddMinutes(5);
        using (var moved = await OperatorPostAsync($"/api/orders/{orderId}/deadline", new { expiresAt = soon.ToString("O", CultureInfo.InvariantCulture) }))
        {
            Assert.True(moved.IsSuccessStatusCode, $"deadline: {moved.StatusCode}");
        }

        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.ExpiresAt < soon.AddMinutes(1), TimeSpan.FromSeconds(60), "the deadline moved");
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser);
        await page.GetByRole(AriaRole.Link, new() { Name = "Orders expiring within 48 h" }).ClickAsync();
        var expiring = page.Locator("[data-state=expiring]");
        await Expect(expiring.Locator("h1")).ToHaveTextAsync("Expiring within 48 hours");
        await Expect(expiring.Locator($"tr[data-order='{orderId}']")).ToBeVisibleAsync();

        var deadlines = await expiring.Locator("table.order-list tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.expires)");
        var times = deadlines.Select(d => DateTimeOffset.Parse(d, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order(), times);
        Assert.All(times, at => Assert.True(at < DateTimeOffset.UtcNow.AddHours(49)));
        var ids = await expiring.Locator("table.order-list tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.order)");
        var mine = Array.IndexOf(ids, orderId);
        Assert.All(times.Take(mine), at => Assert.True(at <= times[mine], "only orders due sooner come before it"));
        await Screenshots.SaveAsync(page, "console-expiring");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 180_000)]
    public async Task The_Spanish_order_view_shows_no_raw_audit_code_and_no_raw_timestamp()
    {
        var (orderId, token) = await web.NewOrderAsync(locale: "es");
        using (var submitted = await web.Server.SubmitAsync(token, new { companyName = "Acme Corporation", adminEmail = $"nuevo.{orderId}@acme.com" }))
        {
            Assert.True(submitted.IsSuccessStatusCode, $"submission: {submitted.StatusCode}");
        }

        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Stage == ProvisioningStage.AwaitingOrganizationChoice, TimeSpan.FromSeconds(60), "the candidates");
        var order = await OrderAsync(orderId);

        await using var browser = await web.NewPageAsync(locale: "es-ES");
        var page = await SignedInAsync(browser, $"#/order/{orderId}");
        var view = page.Locator("[data-state=order]");
        await Expect(view.Locator(".timeline")).ToContainTextAsync("Pedido recibido");
        await Expect(view.Locator(".timeline")).ToContainTextAsync("Invitación enviada");
        await Expect(view.Locator(".timeline__entry")).ToHaveCountAsync(order.Audit.Count);

        var titles = await view.Locator(".timeline__action").AllInnerTextsAsync();
        var codes = Enum.GetNames<AuditAction>();
        Assert.All(titles, title => Assert.DoesNotContain(title.Trim(), codes));
        var text = await view.InnerTextAsync();
        foreach (var code in new[] { "OrderReceived", "InvitationSent", "WizardSubmitted", "MatchedByRuleA", "MatchedByRuleB", "Assigned" })
        {
            Assert.DoesNotMatch(new Regex($@"\b{code}\b"), text);
        }

        Assert.DoesNotMatch(IsoTime(), text);
        // The server's English details keep lang="en"; the times in them are the reader's.
        var detailTimes = view.Locator(".timeline__detail time");
        if (await detailTimes.CountAsync() > 0)
        {
            await Expect(detailTimes.First).ToHaveAttributeAsync("lang", "es");
        }

        await Screenshots.SaveAsync(page, "console-order-es");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task At_phone_width_the_order_list_comes_before_the_stage_tiles_and_ids_do_not_wrap()
    {
        await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync(width: 360, height: 800);
        var page = await SignedInAsync(browser);
        var list = page.Locator("table.order-list");
        await Expect(list).ToBeVisibleAsync();
        var listBox = (await page.Locator("#list-title").BoundingBoxAsync())!;
        var tilesBox = (await page.Locator(".stage-counts").BoundingBoxAsync())!;
        Assert.True(listBox.Y < tilesBox.Y, $"the list ({listBox.Y}) is above the tiles ({tilesBox.Y})");
        await PageSteps.AssertNoHorizontalScrollAsync(page);

        // An order id is one line.
        var id = page.Locator("table.order-list tbody tr td:first-child a").First;
        var lines = await id.EvaluateAsync<int>("a => a.getClientRects().length");
        Assert.Equal(1, lines);
        await Screenshots.SaveAsync(page, "console-orders-narrow");

        // On a desktop the tiles stay first.
        await page.SetViewportSizeAsync(1280, 900);
        listBox = (await page.Locator("#list-title").BoundingBoxAsync())!;
        tilesBox = (await page.Locator(".stage-counts").BoundingBoxAsync())!;
        Assert.True(tilesBox.Y < listBox.Y, "on a desktop the tiles come first");
        browser.AssertNoProblems();
    }

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")]
    private static partial Regex IsoTime();
}
