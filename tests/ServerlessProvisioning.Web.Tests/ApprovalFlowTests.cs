using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessProvisioning.Notifications;
using static Microsoft.Playwright.Assertions;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>The seed's main path: a customer picks an existing organization, whose full admin approves the new admin.</summary>
public sealed class ApprovalFlowTests(WebFixture web)
{
    [Fact(Timeout = 120_000)]
    public async Task Customer_chooses_an_existing_organization_its_admin_approves_and_the_wizard_shows_it_assigned()
    {
        var (orderId, token) = await web.NewOrderAsync("CustomerSelf", "en");
        var newAdmin = $"new-{orderId}@acme.com";
        await using var contact = await web.NewPageAsync();
        var wizard = contact.Page;

        // The invitation, as a person sees it: the mailbox page and its wizard link.
        await wizard.GotoAsync($"{web.Server.BaseUrl}/dev/mailbox?orderId={orderId}");
        await Expect(wizard.GetByRole(AriaRole.Heading, new() { Name = "Local mailbox" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(wizard, "mailbox");
        await wizard.GetByRole(AriaRole.Link, new() { Name = "Open the wizard" }).ClickAsync();

        // The form, with the order facts.
        await Expect(wizard.Locator("[data-state=form] h1")).ToHaveTextAsync("Tell us about the organization");
        Assert.EndsWith("#t=" + token, wizard.Url, StringComparison.Ordinal);
        await Expect(wizard.Locator(".order")).ToContainTextAsync(orderId);
        await Expect(wizard.Locator(".order")).ToContainTextAsync("sub-" + orderId);
        await Expect(wizard.Locator(".order")).ToContainTextAsync("A customer provisions its own new subscription");
        await Expect(wizard.Locator(".order time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d{2}-\d{2}T"));
        await Screenshots.SaveAsync(wizard, "wizard-form");

        await wizard.GetByLabel("Company name").FillAsync("Acme Ltd");
        await wizard.GetByLabel("Administrator email address").FillAsync(newAdmin);
        await wizard.GetByRole(AriaRole.Button, new() { Name = "Find the organization" }).ClickAsync();

        // The address is not the contact's own: a code went to it, and the page asks for it.
        var verification = wizard.Locator("[data-state=verification]");
        await Expect(verification.Locator("h1")).ToHaveTextAsync(new Regex("Confirm the administrator’s email address"));
        await Expect(wizard.Locator("h1")).ToBeFocusedAsync();
        await Expect(verification).ToContainTextAsync($"We sent a 6-digit code to {newAdmin}.");
        await Expect(verification.Locator("dl.facts:not(.facts--inline) time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d{2}-\d{2}T"));
        var code = await WebFixture.CodeAsync(web.Server, orderId, 0);
        await Screenshots.SaveAsync(wizard, "wizard-verification");
        await wizard.GetByLabel("Verification code").FillAsync(code);
        await wizard.GetByRole(AriaRole.Button, new() { Name = "Confirm the code" }).ClickAsync();

        // Rule B: the candidates, in the API's order, with the seed's figures.
        await Expect(wizard.Locator("[data-state=choice] h1")).ToHaveTextAsync("Matching organizations");
        await Expect(wizard.Locator("h1")).ToBeFocusedAsync();
        var state = await WebFixture.WizardStateAsync(web.Server, token);
        var rows = wizard.Locator("table.candidates tbody tr");
        await Expect(rows).ToHaveCountAsync(state.Candidates!.Count);
        for (var i = 0; i < state.Candidates.Count; i++)
        {
            await Expect(rows.Nth(i)).ToHaveAttributeAsync("data-organization-id", state.Candidates[i].OrganizationId);
        }

        var acme = wizard.Locator("tr[data-organization-id=org-acme]");
        var acmeFigures = state.Candidates.Single(c => c.OrganizationId == "org-acme");
        await Expect(acme.Locator(".col-name .org-name")).ToHaveTextAsync("Acme Corporation");
        await Expect(acme.Locator(".col-name")).ToContainTextAsync("the name starts with the same 5 characters");
        await Expect(acme.Locator(".col-type")).ToHaveTextAsync("Customer");
        await Expect(acme.Locator(".col-created time")).ToHaveAttributeAsync("datetime", "2019-03-01");
        await Expect(acme.Locator(".col-created time")).ToHaveTextAsync("1 Mar 2019");
        // Other tests assign subscriptions to org-acme: the page must show exactly what this order's matching saw.
        Assert.True(acmeFigures.ActiveSubscriptions >= 1 && acmeFigures.Users >= 4);
        await Expect(acme.Locator(".col-subscriptions")).ToHaveTextAsync(acmeFigures.ActiveSubscriptions.ToString());
        await Expect(acme.Locator(".col-users")).ToHaveTextAsync(acmeFigures.Users.ToString());
        await Expect(acme.Locator(".col-admins")).ToContainTextAsync("Ana Ruiz");
        await Expect(acme.Locator(".col-admins a[href='mailto:ana@acme.com']")).ToHaveTextAsync("ana@acme.com");
        await Expect(acme.Locator(".col-assessment .badge")).ToContainTextAsync("In use");
        await Expect(acme.Locator(".col-assessment .reasons")).ToContainTextAsync("has active subscriptions");
        var trial = wizard.Locator("tr[data-organization-id=org-acme-trial]");
        await Expect(trial.Locator(".col-assessment .badge")).ToContainTextAsync("Possibly abandoned");
        await Expect(trial.Locator(".col-assessment .reasons")).ToHaveTextAsync("no active subscription · one user or none · created long ago");
        await Expect(wizard.Locator(".policy")).ToContainTextAsync("its full administrator must approve");
        await Expect(wizard.GetByRole(AriaRole.Button, new() { Name = "Create a new organization" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(wizard, "wizard-candidates");

        // Choosing an existing organization asks first, and says the admin must approve.
        await acme.GetByRole(AriaRole.Button, new() { Name = "Choose Acme Corporation" }).ClickAsync();
        var dialog = wizard.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Provisioning pauses until a full administrator of Acme Corporation");
        await Expect(dialog).ToContainTextAsync("ana@acme.com");
        await Screenshots.SaveAsync(wizard, "wizard-confirm", fullPage: false);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Yes, assign to Acme Corporation" }).ClickAsync();

        // Waiting for the existing administrator, with the seed's next step for a customer.
        var waiting = wizard.Locator("[data-state=waiting]");
        await Expect(waiting.Locator("h1")).ToHaveTextAsync(new Regex("Waiting for the existing administrator"));
        await Expect(waiting).ToContainTextAsync("Acme Corporation");
        await Expect(waiting).ToContainTextAsync(newAdmin);
        // The admin to add is not the contact: the next step names them; and the page names who was asked.
        await Expect(waiting).ToContainTextAsync($"you cannot continue provisioning until the existing administrator adds {newAdmin} as an administrator");
        await Expect(waiting.Locator("[data-approvers] .admins")).ToContainTextAsync("Ana Ruiz");
        await Expect(waiting.Locator("time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-"));
        await Screenshots.SaveAsync(wizard, "wizard-waiting");

        // The existing admin opens the approval link from their email, in a browser of their own.
        await web.Server.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.ApprovalRequest), "the approval request");
        await using var approver = await web.NewPageAsync();
        var approval = approver.Page;
        await approval.GotoAsync($"{web.Server.BaseUrl}/dev/mailbox?orderId={orderId}");
        await approval.GetByRole(AriaRole.Link, new() { Name = "Open the approval page" }).ClickAsync();
        var request = approval.Locator("[data-state=request]");
        await Expect(request.Locator("h1")).ToHaveTextAsync("Approve a new administrator");
        await Expect(request).ToContainTextAsync($"buyer-{orderId}@example.com");
        await Expect(request).ToContainTextAsync(newAdmin);
        await Expect(request).ToContainTextAsync("Acme Corporation");
        await Expect(request).ToContainTextAsync("sub-" + orderId);
        await Expect(request).ToContainTextAsync("Acme Ltd");
        await Expect(request).ToContainTextAsync("A customer provisions its own new subscription");
        await Screenshots.SaveAsync(approval, "approval");

        await approval.GetByLabel("Comment (optional)").FillAsync("Welcome aboard");
        await approval.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        var decided = approval.Locator("[data-state=decided][data-decision=approved]");
        await Expect(decided.Locator("h1")).ToHaveTextAsync(new Regex("You approved the request"));
        await Expect(approval.Locator("[data-state=decided][data-stage=Completed]")).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(decided).ToContainTextAsync("was added as an administrator of Acme Corporation");
        await Screenshots.SaveAsync(approval, "approval-decided");

        // The contact's wizard noticed by itself.
        var completed = wizard.Locator("[data-state=completed][data-outcome=AssignedToExistingOrganization]");
        await Expect(completed).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(completed.Locator("h1")).ToHaveTextAsync(new Regex("Done: the subscription is assigned"));
        await Expect(completed).ToContainTextAsync($"Subscription sub-{orderId} was assigned to the existing organization Acme Corporation.");
        await Expect(wizard.Locator("h1")).ToBeFocusedAsync();
        await Screenshots.SaveAsync(wizard, "wizard-completed");

        contact.AssertNoProblems();
        approver.AssertNoProblems();
    }
}
