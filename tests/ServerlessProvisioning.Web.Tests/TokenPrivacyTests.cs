using System.Collections.Concurrent;
using Microsoft.Playwright;
using ServerlessProvisioning.Notifications;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>
/// Link tokens are credentials, and the hosts' telemetry records URL paths: the pages send them only in the
/// Authorization header, never in a URL (the fragment that carries them never leaves the browser).
/// </summary>
public sealed class TokenPrivacyTests(WebFixture web)
{
    [Fact(Timeout = 180_000)]
    public async Task Pages_send_link_tokens_only_in_the_Authorization_header()
    {
        var (orderId, token) = await web.NewOrderAsync();
        await using var contact = await web.NewPageAsync();
        await using var approver = await web.NewPageAsync();
        var requests = new ConcurrentQueue<IRequest>();
        contact.Page.Request += (_, request) => requests.Enqueue(request);
        approver.Page.Request += (_, request) => requests.Enqueue(request);

        // Every command of both pages: details and code, a choice, its withdrawal, a second choice, the approver's
        // page and decision, and the wizard following it to the end.
        var wizard = await web.SubmitAsync(contact, token, "Acme Ltd", $"new-{orderId}@acme.com");
        await PageSteps.ChooseAsync(wizard, "Acme Corporation");
        await wizard.GetByRole(AriaRole.Button, new() { Name = "Withdraw the request" }).ClickAsync();
        await wizard.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, withdraw the request" }).ClickAsync();
        await Expect(wizard.Locator("[data-state=choice] .withdrawn-note")).ToBeVisibleAsync();

        // Every request of the withdrawn round went out before it could be withdrawn, and the mailbox does not list mail
        // in the order it was sent: the second round's link is the one not among them (those answer 410 now).
        var withdrawn = (await web.Server.MailAsync(orderId)).Where(e => e.Kind == EmailKind.ApprovalRequest).Select(e => e.ApprovalToken).ToHashSet();
        await PageSteps.ChooseAsync(wizard, "Acme Corporation");
        var mail = await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.ApprovalRequest && !withdrawn.Contains(e.ApprovalToken)), "the second round's approval request");
        var approvalToken = mail.First(e => e.Kind == EmailKind.ApprovalRequest && !withdrawn.Contains(e.ApprovalToken)).ApprovalToken!;
        await approver.Page.GotoAsync($"{web.Server.BaseUrl}/approval/#t={approvalToken}");
        await approver.Page.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();
        await approver.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, reject" }).ClickAsync();
        await Expect(approver.Page.Locator("[data-state=decided][data-decision=rejected]")).ToBeVisibleAsync();
        await Expect(wizard.Locator("[data-state=rejected]")).ToBeVisibleAsync(new() { Timeout = 45_000 });

        var calls = new HashSet<string>();
        foreach (var request in requests)
        {
            // What goes on the wire: the address without its fragment, and every header.
            var url = request.Url.Split('#')[0];
            var headers = await request.AllHeadersAsync();
            foreach (var secret in new[] { token, approvalToken })
            {
                Assert.DoesNotContain(secret, url, StringComparison.Ordinal);
                Assert.DoesNotContain(headers, header => header.Key != "authorization" && header.Value.Contains(secret, StringComparison.Ordinal));
            }

            var path = new Uri(url).AbsolutePath;
            if (path.StartsWith("/api/", StringComparison.Ordinal))
            {
                Assert.Equal("Bearer " + (path.StartsWith("/api/wizard", StringComparison.Ordinal) ? token : approvalToken), headers.GetValueOrDefault("authorization"));
                calls.Add($"{request.Method} {path}");
            }
        }

        Assert.Subset(calls, new HashSet<string>
        {
            "GET /api/wizard", "POST /api/wizard/submission", "POST /api/wizard/verification", "POST /api/wizard/choice",
            "POST /api/wizard/withdrawal", "GET /api/approvals", "POST /api/approvals",
        });
        contact.AssertNoProblems();
        approver.AssertNoProblems();
    }
}
