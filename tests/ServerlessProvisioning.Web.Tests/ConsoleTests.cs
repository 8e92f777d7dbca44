using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>The operator console at /console/: sign-in, orders by stage, one order and its actions, the directory.</summary>
public sealed class ConsoleTests(WebFixture web)
{
    const string Key = LocalHost.OperatorKey;

    string ConsoleUrl => $"{web.Server.BaseUrl}/console/";

    /// <summary>Opens the console with the key given once in the address, then the view at <paramref name="fragment"/>.</summary>
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

    /// <summary>An order waiting for the existing administrator of Acme Corporation, reached through the API.</summary>
    async Task<string> OrderAwaitingApprovalAsync()
    {
        var (orderId, token) = await web.NewOrderAsync();
        using (var submitted = await web.Server.SubmitAsync(token, new { companyName = "Acme Corporation", adminEmail = $"new.admin.{orderId}@acme.com" }))
        {
            Assert.True(submitted.IsSuccessStatusCode, $"submission: {submitted.StatusCode}");
        }

        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Stage == ProvisioningStage.AwaitingOrganizationChoice, TimeSpan.FromSeconds(60), "the candidates");
        using (var chosen = await web.Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-acme" }))
        {
            Assert.True(chosen.IsSuccessStatusCode, $"choice: {chosen.StatusCode}");
        }

        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Stage == ProvisioningStage.AwaitingAdminApproval, TimeSpan.FromSeconds(60), "the approval request");
        return orderId;
    }

    [Fact(Timeout = 120_000)]
    public async Task A_wrong_key_is_refused_with_a_clear_message_and_the_right_one_opens_the_orders()
    {
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync(ConsoleUrl);

        var signIn = page.Locator("[data-state=signin]");
        await Expect(signIn.Locator("h1")).ToHaveTextAsync("Operator console");
        await page.GetByLabel("Operator key").FillAsync("not-the-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(signIn.GetByRole(AriaRole.Alert)).ToHaveTextAsync(new Regex("That key was not accepted"));
        await Expect(page.GetByLabel("Operator key")).ToBeFocusedAsync();
        await Expect(page.Locator("#console-nav")).ToBeHiddenAsync();
        await Screenshots.SaveAsync(page, "console-signin");

        await page.GetByLabel("Operator key").FillAsync(Key);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-state=orders] h1")).ToHaveTextAsync("Orders");
        await Expect(page.Locator("[data-stage-count]")).ToHaveCountAsync(12);
        Assert.Equal(Key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('serverless-provisioning.operator-key')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => Object.values(localStorage).filter(v => v.includes('e2e-operator-key')).length"));

        // Signing out forgets it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(signIn).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('serverless-provisioning.operator-key')"));
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task A_key_given_in_the_address_moves_to_session_storage_and_never_reaches_a_URL()
    {
        await using var browser = await web.NewPageAsync();
        var urls = new List<string>();
        browser.Page.Request += (_, request) =>
        {
            lock (urls)
            {
                urls.Add(request.Url);
            }
        };

        var page = await SignedInAsync(browser);

        Assert.DoesNotContain(Key, page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, await page.EvaluateAsync<string>("() => location.href"), StringComparison.Ordinal);
        Assert.Equal(Key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('serverless-provisioning.operator-key')"));
        lock (urls)
        {
            Assert.NotEmpty(urls);
            Assert.All(urls, url => Assert.DoesNotContain(Key, url, StringComparison.Ordinal));
        }

        // The entry with the key was replaced, not pushed: going back leaves the console for the blank page before it.
        await page.GoBackAsync();
        Assert.DoesNotContain(Key, page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain("/console/", page.Url, StringComparison.Ordinal);

        // Coming back keeps the session (the key is in sessionStorage, not the address).
        await page.GoForwardAsync();
        await Expect(page.Locator("[data-state=orders]")).ToBeVisibleAsync();
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 180_000)]
    public async Task Stage_counts_and_the_list_of_a_stage_show_real_orders_newest_first()
    {
        var (older, _) = await web.NewOrderAsync();
        var (newer, _) = await web.NewOrderAsync();
        await Eventually.WaitAsync(() => OrderAsync(newer), o => o.Stage == ProvisioningStage.InvitationSent && o.Actions is not null, TimeSpan.FromSeconds(60), "the newer order recorded");
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser);

        var count = page.Locator("[data-stage-count=InvitationSent]");
        await Expect(count).ToContainTextAsync("Invitation sent");
        var shown = int.Parse(await count.Locator(".stage-count__number").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(shown >= 2, $"InvitationSent shows {shown}");

        await count.ClickAsync();
        await Expect(page.Locator("[data-state=orders] h2#list-title")).ToHaveTextAsync("Invitation sent, newest first");
        await Expect(count).ToHaveAttributeAsync("aria-current", "true");
        var rows = page.Locator("table.order-list tbody tr");
        await Expect(page.Locator($"tr[data-order='{newer}']")).ToBeVisibleAsync();
        var ids = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.order)");
        if (Array.IndexOf(ids, older) >= 0)
        {
            Assert.True(Array.IndexOf(ids, newer) < Array.IndexOf(ids, older), "newest first");
        }

        await Screenshots.SaveAsync(page, "console-orders");

        // Search by id opens the order.
        await page.GetByLabel("Find an order or an organization").FillAsync(older);
        await page.GetByRole(AriaRole.Button, new() { Name = "Find", Exact = true }).ClickAsync();
        await Expect(page.Locator("[data-state=order] h1")).ToHaveTextAsync($"Order {older}");
        await Expect(page.Locator("[data-state=order] h1")).ToBeFocusedAsync();
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 180_000)]
    public async Task Resending_to_a_new_contact_through_the_page_reaches_the_API_and_the_timeline()
    {
        var (orderId, _) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser, $"#/order/{orderId}");

        var order = page.Locator("[data-state=order]");
        await Expect(order.Locator(".timeline")).ToContainTextAsync("Order received");
        await Expect(order.Locator(".timeline")).ToContainTextAsync("Invitation sent");
        await Expect(order).ToContainTextAsync($"buyer-{orderId}@example.com");
        await Expect(order.Locator(".order-stage")).ToContainTextAsync("Invitation sent");

        var newContact = $"other-{orderId}@example.com";
        await page.GetByLabel("New contact email (optional)").FillAsync(newContact);
        await page.GetByRole(AriaRole.Button, new() { Name = "Resend the invitation" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync($"A new invitation goes to {newContact}");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Go back" })).ToBeFocusedAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, resend it" }).ClickAsync();
        await Expect(page.Locator("[data-note=done]")).ToHaveTextAsync("The invitation is being resent.");

        // The status shows the new invitation when the workflow schedules it; its record (the audit) lands with the
        // invitation's activity a moment later.
        var view = await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.InvitationGeneration == 2 && o.Audit.Any(a => a.Action == "InvitationSent" && a.Sequence > 2), TimeSpan.FromSeconds(60), "the second invitation and its record");
        Assert.Equal(newContact, view.ProvisioningContactEmail);
        Assert.Contains(view.Audit, a => a.Action == "InvitationResendRequested");

        // The page follows by itself.
        await Expect(order.Locator(".timeline")).ToContainTextAsync("Invitation resent by an operator");
        await Expect(order.Locator(".order-facts")).ToContainTextAsync(newContact);
        await Screenshots.SaveAsync(page, "console-order");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 180_000)]
    public async Task A_bounced_invitation_shows_in_the_timeline_and_redirecting_it_sends_a_new_invitation_that_arrives()
    {
        // The local mailbox bounces every .invalid address and reports it as ACS would, to the host's event route.
        var orderId = "web-" + Guid.NewGuid().ToString("N")[..12];
        var contact = $"buyer-{orderId}@mistyped.invalid";
        using (var posted = await web.Server.PostOrderAsync(new { orderId, subscriptionId = "sub-" + orderId, provisioningContactEmail = contact, scenario = "CustomerSelf", locale = "en" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Audit.Any(a => a.Action == nameof(AuditAction.EmailDeliveryFailed)), TimeSpan.FromSeconds(60), "the bounce in the audit");
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser, $"#/order/{orderId}");

        var bounce = page.Locator("[data-state=order] .timeline__entry[data-action=EmailDeliveryFailed]");
        await Expect(bounce).ToHaveCountAsync(1);
        await Expect(bounce.Locator(".timeline__action")).ToHaveTextAsync("Email not delivered");
        await Expect(bounce.Locator(".timeline__actor")).ToHaveTextAsync("email-service");
        await Expect(bounce.Locator(".timeline__detail")).ToContainTextAsync($"Invitation to {contact}: Bounced");
        await Expect(page.GetByLabel("New contact email (optional)")).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resend the invitation" })).ToBeEnabledAsync();
        await bounce.ScrollIntoViewIfNeededAsync();
        await Screenshots.SaveAsync(page, "console-order-bounced");

        // The operator's loop closed: redirect to the corrected address, and the new invitation goes out and arrives.
        var corrected = $"buyer-{orderId}@example.com";
        await page.GetByLabel("New contact email (optional)").FillAsync(corrected);
        await page.GetByRole(AriaRole.Button, new() { Name = "Resend the invitation" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync($"A new invitation goes to {corrected}");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, resend it" }).ClickAsync();
        await Expect(page.Locator("[data-note=done]")).ToHaveTextAsync("The invitation is being resent.");

        var mail = await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == ServerlessProvisioning.Notifications.EmailKind.Invitation && e.To == corrected), "the invitation to the corrected address");
        var fresh = mail.Single(e => e.Kind == ServerlessProvisioning.Notifications.EmailKind.Invitation && e.To == corrected);
        await using (var contactsBrowser = await web.NewPageAsync())
        {
            await contactsBrowser.Page.GotoAsync(fresh.Links.Wizard!);
            await Expect(contactsBrowser.Page.Locator("[data-state=form]")).ToBeVisibleAsync();
            contactsBrowser.AssertNoProblems();
        }

        var order = page.Locator("[data-state=order]");
        await Expect(order.Locator(".timeline")).ToContainTextAsync("Invitation resent by an operator");
        await Expect(order.Locator(".order-facts")).ToContainTextAsync(corrected);
        var view = await OrderAsync(orderId);
        Assert.Equal(corrected, view.ProvisioningContactEmail);
        Assert.Equal(2, view.InvitationGeneration);
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 240_000)]
    public async Task A_pending_approval_is_reminded_and_its_deadline_moved_through_the_page()
    {
        var orderId = await OrderAwaitingApprovalAsync();
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser, $"#/order/{orderId}");
        var order = page.Locator("[data-state=order]");
        await Expect(order.Locator(".order-stage")).ToContainTextAsync("Awaiting approval");
        await Screenshots.SaveAsync(page.Locator(".order-actions"), "console-deadline-remind");

        // Remind.
        await page.GetByRole(AriaRole.Button, new() { Name = "Send a reminder" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("ana@acme.com");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, remind them" }).ClickAsync();
        await Expect(page.Locator("[data-note=done]")).ToHaveTextAsync("The reminder is being sent.");
        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Audit.Any(a => a.Action == "ApprovalReminderRequested"), TimeSpan.FromSeconds(60), "the reminder audited");
        await Expect(order.Locator(".timeline")).ToContainTextAsync("Approvers reminded by an operator");

        // Move the deadline to a day later than it is, in the browser's own time zone.
        var before = (await OrderAsync(orderId)).ExpiresAt!.Value;
        var field = page.GetByLabel("New deadline");
        await Expect(field).ToBeEnabledAsync();
        var shown = await field.InputValueAsync();
        await field.FillAsync(DateTime.Parse(shown, System.Globalization.CultureInfo.InvariantCulture).AddDays(1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Move the deadline" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, move it" }).ClickAsync();
        var moved = await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.ExpiresAt > before.AddHours(23), TimeSpan.FromSeconds(60), "the deadline moved");
        Assert.Equal(moved.ExpiresAt, moved.Approval!.ExpiresAt);
        Assert.Contains(moved.Audit, a => a.Action == "DeadlineMoved");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 240_000)]
    public async Task A_rejected_order_is_reopened_to_a_new_contact_through_the_page()
    {
        // Arrange: ana@acme.com refuses.
        var orderId = await OrderAwaitingApprovalAsync();
        var mail = await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == ServerlessProvisioning.Notifications.EmailKind.ApprovalRequest && e.To == "ana@acme.com"), "the approval request");
        using (var rejected = await web.Server.PostJsonAsync($"/api/approvals/{mail.First(e => e.To == "ana@acme.com").ApprovalToken}", new { decision = "reject" }))
        {
            Assert.True(rejected.IsSuccessStatusCode, $"reject: {rejected.StatusCode}");
        }

        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Actions?.Reopen == true, TimeSpan.FromSeconds(60), "the order rejected, reopenable");
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser, $"#/order/{orderId}");
        var order = page.Locator("[data-state=order]");
        await Expect(order.Locator(".order-stage")).ToContainTextAsync("Rejected");

        // Act
        var form = page.Locator("[data-action=reopen]");
        await Expect(form).ToContainTextAsync("The order ended");
        await form.GetByLabel("New contact email (optional)").FillAsync($"colleague.{orderId}@acme.com");
        await Screenshots.SaveAsync(page, "console-reopen");
        await form.GetByRole(AriaRole.Button, new() { Name = "Reopen the order" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync($"colleague.{orderId}@acme.com");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, reopen it" }).ClickAsync();

        // Assert
        await Expect(page.Locator("[data-note=done]")).ToHaveTextAsync("The order is reopened: a new invitation is on its way.");
        var view = await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Stage == ProvisioningStage.InvitationSent, TimeSpan.FromSeconds(60), "the order reopened");
        Assert.Equal($"colleague.{orderId}@acme.com", view.ProvisioningContactEmail);
        Assert.Equal(2, view.InvitationGeneration);
        await Expect(order.Locator(".timeline")).ToContainTextAsync("Order reopened by an operator");
        await Expect(page.Locator("[data-action=reopen]")).ToHaveCountAsync(0);
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 240_000)]
    public async Task Once_an_organization_is_chosen_resend_is_disabled_and_cancel_through_the_page_ends_the_order()
    {
        var orderId = await OrderAwaitingApprovalAsync();
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser, $"#/order/{orderId}");

        var order = page.Locator("[data-state=order]");
        await Expect(order.Locator(".order-stage")).ToContainTextAsync("Awaiting approval");
        await Expect(order).ToContainTextAsync("Organizations shown to the contact");
        await Expect(order.Locator("table.candidates-shown")).ToContainTextAsync("Acme Corporation");
        await Expect(order).ToContainTextAsync("ana@acme.com");
        await Expect(order).ToContainTextAsync($"new.admin.{orderId}@acme.com");

        var resend = page.GetByRole(AriaRole.Button, new() { Name = "Resend the invitation" });
        await Expect(resend).ToBeDisabledAsync();
        await Expect(page.Locator("#resend-help")).ToContainTextAsync("only until an organization is chosen");
        var cancel = page.GetByRole(AriaRole.Button, new() { Name = "Cancel the order" });
        await Expect(cancel).ToBeEnabledAsync();

        await page.GetByLabel("Reason (sent to the contact)").FillAsync("Duplicate order");
        await cancel.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Duplicate order");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel the order" }).ClickAsync();

        var view = await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Stage == ProvisioningStage.Cancelled, TimeSpan.FromSeconds(60), "the order cancelled");
        Assert.Equal(ProvisioningOutcome.Cancelled, view.Outcome);
        Assert.Equal(new OrderActions(false, false, false, false), view.Actions);

        // Both actions now would be a 409: the page says why instead.
        await Expect(order.Locator(".order-stage")).ToContainTextAsync("Cancelled");
        await Expect(cancel).ToBeDisabledAsync();
        await Expect(page.Locator("#cancel-help")).ToContainTextAsync("a finished order");
        await Expect(resend).ToBeDisabledAsync();
        await Expect(order.Locator(".timeline")).ToContainTextAsync("Duplicate order");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 240_000)]
    public async Task The_directory_finds_by_email_and_domain_and_shows_an_organization_with_the_orders_that_touched_it()
    {
        // An order assigned to Acme Corporation by rule A, so the organization has an order to show.
        var (orderId, token) = await web.NewOrderAsync();
        using (var submitted = await web.Server.SubmitAsync(token, new { companyName = "Acme Corporation", adminEmail = "ana@acme.com" }))
        {
            Assert.True(submitted.IsSuccessStatusCode, $"submission: {submitted.StatusCode}");
        }

        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.Stage == ProvisioningStage.Completed, TimeSpan.FromSeconds(60), "rule A completing");

        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser, "#/directory");
        await page.GetByLabel("Find by").SelectOptionAsync("email");
        await page.GetByLabel("Search for").FillAsync("ana@acme.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        var results = page.Locator("table.directory-results");
        await Expect(results.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(results).ToContainTextAsync("Acme Corporation");
        await Expect(results).ToContainTextAsync("This address is a full administrator here");

        await page.GetByLabel("Find by").SelectOptionAsync("domain");
        await page.GetByLabel("Search for").FillAsync("acme.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.Locator("#results-title")).ToHaveTextAsync("Organizations with users at acme.com");
        await Expect(results.Locator("tr[data-organization=org-acme-iberia]")).ToBeVisibleAsync();
        await Expect(results.Locator("tr[data-organization=org-acme]")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "console-directory");

        // A bad criterion is the API's 400, said next to the field.
        await page.GetByLabel("Search for").FillAsync("not a domain@");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.Locator("#directory-error")).ToBeVisibleAsync();

        await page.GotoAsync(ConsoleUrl + "#/organization/org-acme");
        var organization = page.Locator("[data-state=organization]");
        await Expect(organization.Locator("h1")).ToHaveTextAsync("Acme Corporation");
        await Expect(organization.Locator("table.org-users")).ToContainTextAsync("bob@acme.com");
        await Expect(organization.Locator("table.org-subscriptions")).ToContainTextAsync("sub-acme-1");
        await Expect(organization.Locator("table.org-subscriptions")).ToContainTextAsync("sub-" + orderId);
        await Expect(organization).ToContainTextAsync("In use");
        await Expect(organization.Locator("table.org-orders")).ToContainTextAsync(orderId);

        await browser.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = web.Server.BaseUrl });
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy as JSON for a PUT" }).ClickAsync();
        await Expect(organization.Locator(".copy-status")).ToContainTextAsync("Copied: the organization as PUT /api/organizations/org-acme takes it.");
        var copied = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        using (var stored = await web.Server.OperatorGetAsync("/api/organizations/org-acme"))
        {
            using var expected = JsonDocument.Parse(await stored.Content.ReadAsStringAsync());
            using var actual = JsonDocument.Parse(copied);
            Assert.True(JsonElement.DeepEquals(expected.RootElement, actual.RootElement), "the copy is the organization as GET gives it");
        }

        await Screenshots.SaveAsync(page, "console-organization");

        // The order links back.
        await organization.GetByRole(AriaRole.Link, new() { Name = orderId }).ClickAsync();
        await Expect(page.Locator("[data-state=order] .order-stage")).ToContainTextAsync("Completed");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel the order" })).ToBeDisabledAsync();

        // Its story is told in words, never as the audit's codes (WizardSubmitted, MatchedByRuleA, Assigned…).
        var entries = page.Locator("[data-state=order] .timeline__entry");
        await Expect(page.Locator("[data-state=order] .timeline__entry[data-action=Assigned] .timeline__action")).ToHaveTextAsync("Subscription assigned");
        foreach (var entry in await entries.AllAsync())
        {
            Assert.NotEqual(await entry.GetAttributeAsync("data-action"), (await entry.Locator(".timeline__action").InnerTextAsync()).Trim());
        }

        browser.AssertNoProblems();
    }

    [Fact(Timeout = 180_000)]
    public async Task In_Spanish_on_a_360_pixel_phone_the_console_fits_and_speaks_Spanish()
    {
        var (orderId, _) = await web.NewOrderAsync(locale: "es");
        await using var browser = await web.NewPageAsync(locale: "es-ES", width: 360, height: 780);
        var page = browser.Page;
        await page.GotoAsync(ConsoleUrl);
        await Expect(page.Locator("[data-state=signin] h1")).ToHaveTextAsync("Consola de operación");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "es");
        await page.GetByLabel("Clave de operador").FillAsync(Key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Iniciar sesión" }).ClickAsync();

        await Expect(page.Locator("#counts-title")).ToHaveTextAsync("Pedidos por etapa");
        await Expect(page.Locator("[data-stage-count=InvitationSent]")).ToContainTextAsync("Invitación enviada");
        await PageSteps.AssertNoHorizontalScrollAsync(page);

        await page.GotoAsync(ConsoleUrl + $"#/order/{orderId}");
        await Expect(page.Locator("[data-state=order] h1")).ToHaveTextAsync($"Pedido {orderId}");
        await Expect(page.Locator(".timeline")).ToContainTextAsync("Pedido recibido");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Reenviar la invitación" })).ToBeEnabledAsync();
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        await Screenshots.SaveAsync(page, "console-order-es-360");

        await page.GotoAsync(ConsoleUrl + "#/directory?domain=acme.com");
        await Expect(page.Locator("#results-title")).ToHaveTextAsync("Organizaciones con usuarios en acme.com");
        await PageSteps.AssertNoHorizontalScrollAsync(page);
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 240_000)]
    public async Task The_console_works_by_keyboard_and_keeps_text_contrast()
    {
        var (orderId, _) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        var failures = new List<string>();
        async Task CheckContrastAsync() => failures.AddRange(await page.EvaluateAsync<string[]>(AccessibilityTests.ContrastScript));

        await page.GotoAsync(ConsoleUrl);
        await Expect(page.Locator("[data-state=signin]")).ToBeVisibleAsync();
        await PageSteps.TabToAsync(page, "operator-key");
        await page.Keyboard.TypeAsync("wrong");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#operator-key-error")).ToBeVisibleAsync();
        await CheckContrastAsync();
        await page.Keyboard.PressAsync("ControlOrMeta+A");
        await page.Keyboard.TypeAsync(Key);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-state=orders] h1")).ToBeFocusedAsync();
        await CheckContrastAsync();

        // A stage tile is a link: Tab to it, Enter opens its list.
        await PageSteps.TabUntilFocusedAsync(page, page.Locator("[data-stage-count=InvitationSent]"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#list-title")).ToHaveTextAsync("Invitation sent, newest first");

        // An order: the search field, Enter; then the cancel dialog opens on "Go back", and Escape closes it.
        await PageSteps.TabToAsync(page, "order-search");
        await page.Keyboard.TypeAsync(orderId);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-state=order] h1")).ToBeFocusedAsync();
        await CheckContrastAsync();
        await page.GetByLabel("Reason (sent to the contact)").FillAsync("Checking the keyboard");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel the order" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Go back" })).ToBeFocusedAsync();
        await CheckContrastAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel the order" })).ToBeFocusedAsync();
        Assert.Equal(ProvisioningStage.InvitationSent, (await OrderAsync(orderId)).Stage);

        await page.GotoAsync(ConsoleUrl + "#/directory?email=ana%40acme.com");
        await Expect(page.Locator("table.directory-results")).ToBeVisibleAsync();
        await CheckContrastAsync();
        await page.GotoAsync(ConsoleUrl + "#/organization/org-acme");
        await Expect(page.Locator("[data-state=organization] h1")).ToHaveTextAsync("Acme Corporation");
        await CheckContrastAsync();

        Assert.True(failures.Count == 0, "Text below 4.5:1 (3:1 when large):" + Environment.NewLine + string.Join(Environment.NewLine, failures));
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 180_000)]
    public async Task A_stage_list_pages_with_the_continuation_token()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await web.NewOrderAsync()).OrderId);
        }

        await Eventually.WaitAsync(() => OrderAsync(ids[^1]), o => o.Actions is not null, TimeSpan.FromSeconds(60), "the last order recorded");
        await using var browser = await web.NewPageAsync();
        var page = await SignedInAsync(browser, "#/orders?stage=InvitationSent&pageSize=2");

        var rows = page.Locator("table.order-list tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        var more = page.GetByRole(AriaRole.Button, new() { Name = "Show more" });
        await more.ClickAsync();
        // The next page: at least the third of these orders (other tests may have added more).
        await Expect(rows.Nth(2)).ToBeVisibleAsync();
        var shown = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.order)");
        Assert.Equal(shown.Length, shown.Distinct().Count());
        var created = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.created)");
        Assert.Equal(created.OrderByDescending(c => DateTimeOffset.Parse(c, System.Globalization.CultureInfo.InvariantCulture)), created);
        browser.AssertNoProblems();
    }

    /// <summary>
    /// Plays App Service Authentication in front of the local host, which cannot run it: test-only routes in this
    /// browser context. Until <paramref name="signedIn"/> says so, every operator call answers what the app answers
    /// with sign-in on and nobody signed in (401 naming /.auth/login/aad). Once signed in, GET /api/operator names
    /// Alice and the other calls reach the real host carrying the operator key, standing in for the session cookie the
    /// platform would turn into her principal headers; the page itself never has a key.
    /// </summary>
    static async Task PlayAppServiceAuthenticationAsync(BrowserPage browser, Func<bool> signedIn, string? whoAmI = null, int whoAmIStatus = 200)
    {
        await browser.Context.RouteAsync("**/api/**", async route =>
        {
            if (!signedIn())
            {
                await route.FulfillAsync(new()
                {
                    Status = 401,
                    ContentType = "application/problem+json",
                    Body = $$"""{"status":401,"title":"Unauthorized","signIn":"{{OperatorAccess.SignInPath}}"}""",
                });
                return;
            }

            var headers = new Dictionary<string, string>(route.Request.Headers) { ["x-functions-key"] = Key };
            await route.ContinueAsync(new() { Headers = headers });
        });
        await browser.Context.RouteAsync("**/api/operator", async route =>
        {
            if (!signedIn())
            {
                await route.FallbackAsync();
                return;
            }

            await route.FulfillAsync(new()
            {
                Status = whoAmIStatus,
                ContentType = whoAmIStatus == 200 ? "application/json" : "application/problem+json",
                Body = whoAmI ?? """{"name":"alice@contoso.com","operator":"operator:alice@contoso.com","credential":"SignIn"}""",
            });
        });
        await browser.Context.RouteAsync("**/.auth/logout**", route => route.FulfillAsync(new() { Status = 200, ContentType = "text/plain", Body = "Signed out." }));
    }

    [Fact(Timeout = 120_000)]
    public async Task Behind_App_Service_Authentication_the_console_signs_in_with_Entra_ID_and_never_asks_for_a_key()
    {
        await using var browser = await web.NewPageAsync();
        var signedIn = false;
        await PlayAppServiceAuthenticationAsync(browser, () => signedIn);
        var page = browser.Page;

        await page.GotoAsync(ConsoleUrl + "#/directory");

        var signIn = page.Locator("[data-state=signin]");
        var link = signIn.GetByRole(AriaRole.Link, new() { Name = "Sign in with Microsoft Entra ID" });
        await Expect(link).ToHaveAttributeAsync("href", "/.auth/login/aad?post_login_redirect_uri=%2Fconsole%2F%23%2Fdirectory");
        await Expect(page.Locator("input")).ToHaveCountAsync(0);
        await Expect(page.Locator("#console-nav")).ToBeHiddenAsync();
        await Screenshots.SaveAsync(page, "console-signin-entra");

        // Back from /.auth/login/aad with a session: a new page load.
        signedIn = true;
        await page.GotoAsync(ConsoleUrl + "#/orders");
        await page.ReloadAsync();

        await Expect(page.Locator("[data-state=orders] h1")).ToHaveTextAsync("Orders");
        await Expect(page.Locator("[data-stage-count]")).ToHaveCountAsync(12);
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync("Signed in as alice@contoso.com");
        await Expect(page.Locator("input[type=password]")).ToHaveCountAsync(0);
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('serverless-provisioning.operator-key')"));

        // Signing out ends the App Service session, and comes back to the console.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/.auth/logout?post_logout_redirect_uri=%2Fconsole%2F");
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Signed_in_without_the_operator_role_the_console_says_so_and_offers_another_account()
    {
        await using var browser = await web.NewPageAsync("es-ES");
        await PlayAppServiceAuthenticationAsync(browser, () => true, """{"status":403,"title":"Forbidden","detail":"Signed in as mallory@contoso.com, without the app role Provisioning.Operator that operator routes need."}""", 403);
        var page = browser.Page;

        await page.GotoAsync(ConsoleUrl);

        var forbidden = page.Locator("[data-state=forbidden]");
        await Expect(forbidden.Locator("h1")).ToHaveTextAsync("Sin acceso a la consola");
        await Expect(forbidden.GetByRole(AriaRole.Alert)).ToContainTextAsync("Provisioning.Operator");
        await Expect(forbidden.GetByRole(AriaRole.Link, new() { Name = "Cerrar sesión" })).ToHaveAttributeAsync("href", "/.auth/logout?post_logout_redirect_uri=%2Fconsole%2F");
        await Expect(page.Locator("input")).ToHaveCountAsync(0);
        browser.AssertNoProblems();
    }
}
