using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.Notifications;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>While the existing administrator has not answered, the contact can take the request back.</summary>
public sealed class WithdrawalTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Withdrawing_returns_to_the_candidates_and_the_approvers_link_says_it_was_withdrawn()
    {
        var (orderId, token) = await web.NewOrderAsync();
        await using var contact = await web.NewPageAsync();
        var wizard = await web.SubmitAsync(contact, token, "Acme Ltd", $"new-{orderId}@acme.com");
        await PageSteps.ChooseAsync(wizard, "Acme Corporation");
        var waiting = wizard.Locator("[data-state=waiting]");
        await Expect(waiting.Locator(".withdraw")).ToContainTextAsync("Until the administrator of Acme Corporation answers, you can withdraw the request");

        // Ana has her request open, still to decide.
        var mail = await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.ApprovalRequest), "the approval request");
        await using var approver = await web.NewPageAsync();
        var approval = approver.Page;
        await approval.GotoAsync(mail.First(e => e.Kind == EmailKind.ApprovalRequest).Links.Approval!);
        await Expect(approval.Locator("[data-state=request]")).ToBeVisibleAsync();

        // Withdrawing asks first and says what it does; "Go back" is where focus starts, and returns focus to the button.
        var withdraw = waiting.GetByRole(AriaRole.Button, new() { Name = "Withdraw the request" });
        await withdraw.ClickAsync();
        var dialog = wizard.GetByRole(AriaRole.Dialog);
        await Expect(dialog.Locator("h2")).ToHaveTextAsync("Withdraw the request to Acme Corporation?");
        await Expect(dialog).ToContainTextAsync("The full administrators of Acme Corporation are told that the request was withdrawn, and the link in their email stops working.");
        await Expect(dialog).ToContainTextAsync("Nobody is added to Acme Corporation.");
        await Expect(dialog).ToContainTextAsync("You go back to the matching organizations");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Go back" })).ToBeFocusedAsync();
        await Screenshots.SaveAsync(wizard, "wizard-withdraw-confirm", fullPage: false);
        await wizard.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(withdraw).ToBeFocusedAsync();

        await withdraw.ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, withdraw the request" }).ClickAsync();

        // Back at the candidates, told that the request was withdrawn.
        var choice = wizard.Locator("[data-state=choice]");
        await Expect(choice.Locator(".withdrawn-note")).ToContainTextAsync("You withdrew the request to Acme Corporation, and its administrators were told.");
        await Expect(wizard.Locator("h1")).ToBeFocusedAsync();
        await Expect(wizard.Locator("#status")).ToContainTextAsync("You withdrew the request");
        await Expect(choice.Locator("tr[data-organization-id=org-acme]")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(wizard, "wizard-withdrawn");

        // Ana's page, still open: deciding now says why there is nothing to decide; so does her link, opened again.
        await approval.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        var withdrawn = approval.Locator("[data-state=error-withdrawn]");
        await Expect(withdrawn.Locator("h1")).ToHaveTextAsync(new Regex("This request was withdrawn"));
        await Expect(withdrawn).ToContainTextAsync("nobody was added to your organization");
        await approval.ReloadAsync();
        await Expect(withdrawn.Locator("h1")).ToHaveTextAsync(new Regex("This request was withdrawn"));
        await Screenshots.SaveAsync(approval, "approval-withdrawn");
        await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.ApprovalClosed), "the approvers told it was withdrawn");
        contact.AssertNoProblems();
        approver.AssertNoProblems();
    }
}
