using System.Text.RegularExpressions;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Provisioning;
using static Microsoft.Playwright.Assertions;

[assembly: AssemblyFixture(typeof(ServerlessProvisioning.Web.Tests.ExpiringApprovalHostFixture))]

namespace ServerlessProvisioning.Web.Tests;

/// <summary>
/// A third local host, with the sample organizations, whose approval requests expire after 15 seconds (long enough for
/// the page to show the wait, short enough for a test).
/// </summary>
public sealed class ExpiringApprovalHostFixture() : BackgroundHostFixture(
    new Dictionary<string, string>
    {
        ["Provisioning__ApprovalLifetime"] = "00:00:15",
        ["Provisioning__ApprovalReminderBefore"] = "00:00:00",
    },
    WebFixture.SeedPath);

/// <summary>The existing administrator never answers: the contact's page says so, by itself, and the contact starts again.</summary>
public sealed class ApprovalExpiryTests(WebFixture web, ExpiringApprovalHostFixture expiring)
{
    [Fact(Timeout = 150_000)]
    public async Task Approval_nobody_answers_ends_saying_the_administrator_did_not_answer_in_time_and_start_again_leads_back_to_the_form()
    {
        var host = await expiring.ServerAsync;
        var (orderId, token) = await WebFixture.NewOrderAsync(host);
        var admin = $"new-{orderId}@acme.com";
        await using var contact = await web.NewPageAsync();
        var wizard = await WebFixture.SubmitAsync(host, contact, token, "Acme Ltd", admin);
        await PageSteps.ChooseAsync(wizard, "Acme Corporation");

        // The page polls while it waits, and notices the deadline pass.
        var expired = wizard.Locator("[data-state=expired][data-reason=approval]");
        await Expect(expired).ToBeVisibleAsync(new() { Timeout = 90_000 });
        await Expect(expired.Locator("h1")).ToHaveTextAsync(new Regex("The administrator did not answer in time"));
        await Expect(expired).ToContainTextAsync($"The full administrator of Acme Corporation did not decide on adding {admin} before the deadline");
        await Expect(expired.Locator("p time").First).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d{2}-\d{2}T"));
        await Expect(expired.Locator(".next-steps")).ToContainTextAsync("before you can start the provisioning process again");

        // Whom to ask first (those who were asked), and "Start again" until the invitation's own deadline.
        var restart = expired.Locator("[data-restart=open]");
        await Expect(restart).ToContainTextAsync("Ask first one of the administrators who were asked:");
        await Expect(restart).ToContainTextAsync("ana@acme.com");
        await Expect(restart.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Start again" })).ToBeVisibleAsync();
        await Expect(wizard.Locator("h1")).ToBeFocusedAsync();
        await Screenshots.SaveAsync(wizard, "wizard-approval-expired");

        // What the API says, and the same ending for a Spanish reader of the link.
        var state = await WebFixture.WizardStateAsync(host, token);
        Assert.Equal(ApprovalEnd.Expired, state.Approval!.Decision);
        await using var spanish = await web.NewPageAsync(locale: "es-ES");
        await spanish.Page.GotoAsync($"{host.BaseUrl}/wizard/#t={token}");
        await Expect(spanish.Page.Locator("[data-state=expired][data-reason=approval] h1")).ToHaveTextAsync(new Regex("El administrador no respondió a tiempo"));
        await Expect(spanish.Page.Locator("[data-state=expired]")).ToContainTextAsync("no decidió si agregar a");

        // Starting again is back at the form with the same link, as after a refusal.
        await restart.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Start again" }).ClickAsync();
        await Expect(wizard.Locator("[data-state=form][data-mode=new]")).ToBeVisibleAsync(new() { Timeout = 45_000 });
        await Expect(wizard.GetByLabel("Company name")).ToBeEditableAsync();
        await Expect(wizard.Locator(".stage[data-stage=InvitationSent]")).ToBeVisibleAsync();
        Assert.Equal(ProvisioningStage.InvitationSent, (await WebFixture.WizardStateAsync(host, token)).Stage);
        contact.AssertNoProblems();
        spanish.AssertNoProblems();
    }
}
