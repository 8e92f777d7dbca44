using System.Net;
using System.Text.RegularExpressions;
using ServerlessProvisioning.Testing;
using static Microsoft.Playwright.Assertions;

[assembly: AssemblyFixture(typeof(ServerlessProvisioning.Web.Tests.ExpiringHostFixture))]

namespace ServerlessProvisioning.Web.Tests;

/// <summary>A second local host, whose invitations expire after 8 seconds, for the expired-link explanation.</summary>
public sealed class ExpiringHostFixture() : BackgroundHostFixture(new Dictionary<string, string>
{
    ["Provisioning__InvitationLifetime"] = "00:00:08",
    ["Provisioning__InvitationReminderBefore"] = "00:00:00",
});

/// <summary>An invitation link used after its deadline explains that it expired.</summary>
public sealed class ExpiredLinkTests(WebFixture web, ExpiringHostFixture expiring)
{
    [Fact(Timeout = 120_000)]
    public async Task Expired_link_explains_that_it_expired()
    {
        var host = await expiring.ServerAsync;
        var (_, token) = await WebFixture.NewOrderAsync(host);
        await using var browser = await web.NewPageAsync();
        var page = browser.Page;

        // Wait for the API's verdict rather than for a fixed time.
        await Eventually.WaitAsync(
            async () =>
            {
                using var response = await host.Http.GetAsync($"/api/wizard/{token}");
                return response.StatusCode;
            },
            status => status == HttpStatusCode.Gone,
            TimeSpan.FromSeconds(60),
            "the invitation to expire");

        await page.GotoAsync($"{host.BaseUrl}/wizard/#t={token}");
        var expired = page.Locator("[data-state=error-expired]");
        await Expect(expired.Locator("h1")).ToHaveTextAsync(new Regex("This link has expired"));
        await Expect(expired).ToContainTextAsync("Ask whoever placed the order for a new invitation.");
        await Screenshots.SaveAsync(page, "wizard-expired");
        browser.AssertNoProblems();
    }
}
