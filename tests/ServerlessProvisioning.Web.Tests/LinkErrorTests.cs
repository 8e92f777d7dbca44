using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Testing;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>Links that do not work, and calls that fail, are explained in plain words.</summary>
public sealed class LinkErrorTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Unknown_token_says_the_link_is_not_valid()
    {
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t=not-a-real-token-0123456789abcdef");
        await Expect(page.Locator("[data-state=error-notFound] h1")).ToHaveTextAsync(new Regex("This link is not valid"));
        await Screenshots.SaveAsync(page, "wizard-not-found");

        await page.GotoAsync($"{web.Server.BaseUrl}/approval/#t=not-a-real-token-0123456789abcdef");
        await Expect(page.Locator("[data-state=error-notFound] h1")).ToHaveTextAsync(new Regex("This link is not valid"));

        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/");
        await Expect(page.Locator("[data-state=error-missing] h1")).ToHaveTextAsync(new Regex("This link is incomplete"));
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task After_an_operator_redirect_the_previous_contacts_link_says_the_invitation_went_to_someone_else()
    {
        // Arrange: the first contact has the form open, typed in, when an operator sends the invitation to a colleague.
        var (orderId, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        await page.GetByLabel("Company name").FillAsync("Acme Ltd");
        await page.GetByLabel("Administrator email address").FillAsync($"buyer-{orderId}@example.com");
        using (var redirect = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/invitation") { Content = JsonContent.Create(new { provisioningContactEmail = $"colleague-{orderId}@example.com" }) })
        {
            redirect.Headers.Add("x-functions-key", LocalHost.OperatorKey);
            using var accepted = await web.Server.Http.SendAsync(redirect);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await Eventually.WaitAsync(
            async () =>
            {
                using var response = await web.Server.Http.GetAsync($"/api/wizard/{token}");
                return response.StatusCode == HttpStatusCode.Gone ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString() : null;
            },
            reason => reason == "redirected",
            TimeSpan.FromSeconds(60),
            "the previous link to answer 410 redirected");

        // Act: the form is sent on the old link.
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();

        // Assert: said in plain words, with nothing left to do; the same when the link is opened again.
        var redirected = page.Locator("[data-state=error-redirected]");
        await Expect(redirected.Locator("h1")).ToHaveTextAsync(new Regex("This invitation went to someone else"));
        await Expect(redirected).ToContainTextAsync("there is nothing more for you to do");
        await Expect(page.Locator("h1")).ToBeFocusedAsync();
        await page.ReloadAsync();
        await Expect(page.Locator("[data-state=error-redirected] h1")).ToHaveTextAsync(new Regex("This invitation went to someone else"));
        await Screenshots.SaveAsync(page, "wizard-redirected");
        var mail = await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.InvitationRedirected), "the previous contact's notice");
        Assert.Equal($"buyer-{orderId}@example.com", mail.Single(e => e.Kind == EmailKind.InvitationRedirected).To);
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Network_failure_offers_a_retry_that_keeps_what_was_typed()
    {
        var (_, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;
        await page.GotoAsync($"{web.Server.BaseUrl}/wizard/#t={token}");
        await page.RouteAsync("**/api/wizard/submission", route => route.AbortAsync("internetdisconnected"));
        await page.GetByLabel("Company name").FillAsync("Anything");
        await page.GetByLabel("Administrator email address").FillAsync("ana@acme.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();

        var offline = page.Locator("[data-state=error-network]");
        await Expect(offline.Locator("h1")).ToHaveTextAsync(new Regex("We can’t reach the server"));
        await Expect(page.Locator("h1")).ToBeFocusedAsync();
        await Screenshots.SaveAsync(page, "wizard-network-error");

        await page.UnrouteAllAsync();
        await offline.GetByRole(AriaRole.Button, new() { Name = "Try again" }).ClickAsync();
        // What was typed went out with the retry: the code goes to the address entered.
        await Expect(page.Locator("[data-state=verification]")).ToContainTextAsync("We sent a 6-digit code to ana@acme.com.", new() { Timeout = 45_000 });
        browser.AssertNoProblems();
    }

    [Fact(Timeout = 120_000)]
    public async Task Wrong_stage_reloads_and_shows_where_it_stands()
    {
        var (orderId, token) = await web.NewOrderAsync();
        await using var browser = await web.NewPageAsync();
        // The contact's own address (no code) and a name whose key (its first 5 characters) nothing else has.
        var page = await web.SubmitAsync(browser, token, $"{orderId[4..]} Trading", $"buyer-{orderId}@example.com");
        await Expect(page.Locator("[data-state=choice-empty]")).ToBeVisibleAsync();

        // Someone else answers the step (another tab), then this page answers it too.
        using var other = await web.Server.PostJsonAsync($"/api/wizard/{token}/choice", new { createNew = true });
        Assert.True(other.IsSuccessStatusCode);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create a new organization" }).ClickAsync();

        await Expect(page.Locator(".banner")).ToContainTextAsync("This step was already answered");
        await Expect(page.Locator("[data-state=completed][data-outcome=AssignedToNewOrganization]")).ToBeVisibleAsync(new() { Timeout = 45_000 });
        browser.AssertNoProblems();
    }
}
