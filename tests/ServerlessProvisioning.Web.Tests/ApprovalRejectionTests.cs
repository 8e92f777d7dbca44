using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.Notifications;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>The existing admin rejects: the contact is told why, with the admin's comment, and what to do next.</summary>
public sealed class ApprovalRejectionTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Admin_rejects_and_the_wizard_tells_the_contact_what_to_do()
    {
        var (orderId, token) = await web.NewOrderAsync("PartnerSelf", "en");
        await using var contact = await web.NewPageAsync();
        var wizard = await web.SubmitAsync(contact, token, "Fabrikam", $"it-{orderId}@fabrikam.com");
        await Expect(wizard.Locator(".policy")).ToContainTextAsync("its current full administrator must approve");
        await wizard.GetByRole(AriaRole.Button, new() { Name = "Choose Fabrikam Partners" }).ClickAsync();
        await wizard.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, assign to Fabrikam Partners" }).ClickAsync();
        await Expect(wizard.Locator("[data-state=waiting]")).ToContainTextAsync("you must contact the current administrator so that they add the new administrator");

        var mail = await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.ApprovalRequest), "the approval request");
        await using var approver = await web.NewPageAsync();
        await approver.Page.GotoAsync(mail.First(e => e.Kind == EmailKind.ApprovalRequest).Links.Approval!);
        await approver.Page.GetByLabel("Comment (optional)").FillAsync("We do not know this company.\nPlease call me first.");
        await approver.Page.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();

        // Rejecting asks first, with "Go back" ready: going back leaves the request (and the comment) as they were.
        var confirm = approver.Page.GetByRole(AriaRole.Dialog);
        await Expect(confirm.Locator("h2")).ToHaveTextAsync(new Regex("Reject adding it-.*@fabrikam.com to Fabrikam Partners\\?"));
        await Expect(confirm.GetByRole(AriaRole.Button, new() { Name = "Go back" })).ToBeFocusedAsync();
        await Screenshots.SaveAsync(approver.Page, "approval-reject-confirm", fullPage: false);
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Go back" }).ClickAsync();
        await Expect(approver.Page.Locator("[data-state=request]")).ToBeVisibleAsync();
        await Expect(approver.Page.GetByLabel("Comment (optional)")).ToHaveValueAsync("We do not know this company.\nPlease call me first.");
        await approver.Page.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();
        await approver.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Yes, reject" }).ClickAsync();
        var decided = approver.Page.Locator("[data-state=decided][data-decision=rejected]");
        await Expect(decided.Locator("h1")).ToHaveTextAsync(new Regex("You rejected the request"));
        // The decided request shows its comment.
        await Expect(decided.Locator(".comment blockquote")).ToContainTextAsync("We do not know this company.");

        var rejected = wizard.Locator("[data-state=rejected]");
        await Expect(rejected).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(rejected).ToContainTextAsync("The full administrator of Fabrikam Partners did not approve");
        await Expect(rejected).ToContainTextAsync("then start the provisioning process again");
        // The approver's reason, in their own words.
        await Expect(rejected.Locator(".comment figcaption")).ToHaveTextAsync("Their comment:");
        await Expect(rejected.Locator(".comment blockquote")).ToContainTextAsync("We do not know this company.");
        await Expect(rejected.Locator(".comment blockquote")).ToContainTextAsync("Please call me first.");
        // Whom to ask first, by name, and "Start again" while the invitation runs.
        var restart = rejected.Locator("[data-restart=open]");
        await Expect(restart).ToContainTextAsync("Ask first the administrator who decided:");
        await Expect(restart.Locator(".admin-name")).ToHaveTextAsync("Fabrikam Desk");
        await Expect(restart.Locator(".admin-email")).ToHaveTextAsync("desk@fabrikam.com");
        await Screenshots.SaveAsync(wizard, "wizard-rejected");

        // Starting again is back at the form with the same link, the details to enter afresh.
        await restart.GetByRole(AriaRole.Button, new() { Name = "Start again" }).ClickAsync();
        var form = wizard.Locator("[data-state=form]");
        await Expect(form).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(wizard.GetByLabel("Company name")).ToBeVisibleAsync();
        await Expect(wizard.Locator(".stage[data-stage=InvitationSent]")).ToBeVisibleAsync();
        contact.AssertNoProblems();
        approver.AssertNoProblems();
    }
}
