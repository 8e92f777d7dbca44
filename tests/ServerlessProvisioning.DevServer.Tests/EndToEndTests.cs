using System.Net;
using System.Net.Http.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>Whole flows over HTTP on the real local host (Durable Task Azure Storage provider on Azurite), tokens read from the mailbox.</summary>
public class EndToEndTests(ProcessHostFixture host) : IClassFixture<ProcessHostFixture>
{
    LocalHost Server => host.Server;

    [Fact]
    public async Task Order_to_candidates_to_approval_to_completed()
    {
        var orderId = "e2e-approval-" + Guid.NewGuid().ToString("N")[..6];
        var token = await host.InviteAsync(orderId);

        using var submitted = await Server.SubmitAsync(token, new { companyName = "Acme Ltd", adminEmail = $"{orderId}@acme.com" });
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var choosing = (await submitted.Content.ReadFromJsonAsync<WizardState>(Json.Options))!;
        Assert.Equal(ProvisioningStage.AwaitingOrganizationChoice, choosing.Stage);
        Assert.Equal(["org-acme-iberia", "org-acme", "org-acme-trial"], choosing.Candidates!.Select(c => c.OrganizationId));

        using var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-acme" });
        Assert.Equal(ProvisioningStage.AwaitingAdminApproval, (await chosen.Content.ReadFromJsonAsync<WizardState>(Json.Options))!.Stage);

        var request = (await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest), "approval request")).Single(m => m.Kind == EmailKind.ApprovalRequest);
        Assert.Equal("ana@acme.com", request.To);
        var approval = (await Server.Http.GetFromJsonAsync<ApprovalState>($"/api/approvals/{request.ApprovalToken}", Json.Options))!;
        Assert.Equal("Acme Corporation", approval.Organization.Name);
        Assert.Equal($"{orderId}@acme.com", approval.RequestedAdminEmail);
        Assert.Equal("buyer@acme.com", approval.RequestedBy);

        using var decided = await Server.PostJsonAsync($"/api/approvals/{request.ApprovalToken}", new { decision = "approve", comment = "Welcome" });
        Assert.Equal(HttpStatusCode.Accepted, decided.StatusCode);

        var done = await host.WaitForStageAsync(token, ProvisioningStage.Completed);
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, done.Outcome);
        Assert.Equal("org-acme", done.Organization!.OrganizationId);
        Assert.Equal("en", done.Language);
        Assert.Equal("Welcome", done.Approval!.Comment);
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Outcome), "outcome");
        Assert.Equal([EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.ApprovalRequest, EmailKind.Outcome], mail.Select(m => m.Kind));

        var order = await Eventually.WaitAsync(
            async () =>
            {
                using var view = await Server.OperatorGetAsync($"/api/orders/{orderId}");
                return (await view.Content.ReadFromJsonAsync<OrderView>(Json.Options))!;
            },
            o => o.RuntimeStatus == "Completed",
            TimeSpan.FromSeconds(30),
            "the workflow to finish");
        Assert.Equal(ProvisioningStage.Completed, order.Stage);
        Assert.Contains(order.Audit, a => a.Action == "Approved" && a.Actor == "ana@acme.com" && a.Detail == "Welcome");
    }

    [Fact]
    public async Task Rule_A_completes_in_the_submission_response()
    {
        var orderId = "e2e-rulea-" + Guid.NewGuid().ToString("N")[..6];
        var token = await host.InviteAsync(orderId);

        using var submitted = await Server.SubmitAsync(token, new { companyName = "Anything", adminEmail = "megan@contoso.com" });
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());

        var state = (await submitted.Content.ReadFromJsonAsync<WizardState>(Json.Options))!;
        var final = state.Stage == ProvisioningStage.Completed ? state : await host.WaitForStageAsync(token, ProvisioningStage.Completed);
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, final.Outcome);
        Assert.Equal("org-contoso", final.Organization!.OrganizationId);
    }

    [Fact]
    public async Task A_new_organization_is_created_for_a_partner_of_its_own()
    {
        var orderId = "e2e-new-" + Guid.NewGuid().ToString("N")[..6];
        var token = await host.InviteAsync(orderId, "PartnerSelf");

        using var submitted = await Server.SubmitAsync(token, new { companyName = "Brand New Partner " + orderId, adminEmail = $"boss@{orderId}.example" });
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var state = (await submitted.Content.ReadFromJsonAsync<WizardState>(Json.Options))!;
        Assert.Empty(state.Candidates!);
        using var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { createNew = true });

        var done = await host.WaitForStageAsync(token, ProvisioningStage.Completed);
        Assert.Equal(ProvisioningOutcome.AssignedToNewOrganization, done.Outcome);
        Assert.Equal(Matching.OrganizationType.Partner, done.Organization!.Type);
    }
}
