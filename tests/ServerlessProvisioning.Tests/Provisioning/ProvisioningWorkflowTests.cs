using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Activities;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Provisioning;

/// <summary>Every path of the workflow, on the real Durable Task engine with activities on Azurite.</summary>
public class ProvisioningWorkflowTests(WorkflowFixture f) : IClassFixture<WorkflowFixture>
{
    static string NewAdmin(string domain) => $"new{Guid.NewGuid():N}"[..12] + "@" + domain;

    // Submits for an organization of the test's own and chooses it; returns the organization and the requested admin.
    async Task<(string Org, string Boss, string Admin, ProvisioningStatus Status)> ChooseOwnOrganizationAsync(string id, ProvisioningScenario scenario = ProvisioningScenario.CustomerSelf)
    {
        var (org, boss, domain) = await f.CreateOrganizationAsync(type: NewAdminPolicy.OrganizationTypeFor(scenario));
        var admin = NewAdmin(domain);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);
        await f.SubmitAsync(id, invited, "Initrode Systems", admin);
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
        Assert.Equal(org, Assert.Single(choosing.Candidates!).OrganizationId);
        await f.ChooseAsync(id, choosing, org);
        return (org, boss, admin, choosing);
    }

    [Fact]
    public async Task Rule_A_assigns_directly_and_tells_the_contact()
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);

        await f.SubmitAsync(id, invited, "Whatever", "ANA@acme.com");
        var done = await f.WaitForCompletionAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningStage.Completed, status.Stage);
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, status.Outcome);
        Assert.Equal("org-acme", status.Organization!.OrganizationId);
        Assert.Equal(MatchKind.AdminOfOne, status.MatchKind);
        var org = await f.Organizations.GetAsync("org-acme", CancellationToken.None);
        Assert.Contains(org!.Subscriptions, s => s.Id == order.SubscriptionId && s.Status == SubscriptionStatus.Active);
        var mail = await f.WaitForMailAsync(order.OrderId, m => m.Count == 3, "invitation, code and outcome");
        Assert.Equal([EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.Outcome], mail.Select(m => m.Kind));
        Assert.Equal(["contact@buyer.example", "ana@acme.com", "contact@buyer.example"], mail.Select(m => m.To));
        Assert.NotNull(mail[0].WizardToken);
        Assert.Contains(mail[0].WizardToken!, mail[0].Links.Wizard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Candidates_are_offered_and_a_new_organization_can_be_created()
    {
        var order = WorkflowFixture.Order(ProvisioningScenario.PartnerSelf);
        var id = await f.StartAsync(order);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);
        var (busy, _, domain) = await f.CreateOrganizationAsync("Initrode Systems", activeSubscriptions: 2, type: OrganizationType.Partner);
        var quiet = await f.Organizations.GetAsync(busy, CancellationToken.None);
        var idle = $"org-{Guid.NewGuid():N}"[..16];
        await f.Organizations.PutAsync(quiet! with { Id = idle, Name = "INITRODE, Inc.", Subscriptions = [] }, null, CancellationToken.None);
        var admin = NewAdmin(domain);

        await f.SubmitAsync(id, invited, "Initrode Ltd", admin);
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
        Assert.Equal([busy, idle], choosing.Candidates!.Select(c => c.OrganizationId));
        Assert.Equal(invited.Step + 2, choosing.Step);

        await f.ChooseAsync(id, choosing, organizationId: null);
        await f.WaitForCompletionAsync(id);

        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningOutcome.AssignedToNewOrganization, status.Outcome);
        Assert.True(status.Organization!.IsNew);
        var created = await f.Organizations.GetAsync(status.Organization.OrganizationId, CancellationToken.None);
        Assert.Equal("Initrode Ltd", created!.Name);
        Assert.Equal(OrganizationType.Partner, created.Type);
        Assert.Equal(admin, Assert.Single(created.Users).Email);
        Assert.True(created.Users[0].IsFullAdmin);
        Assert.Equal(order.SubscriptionId, Assert.Single(created.Subscriptions).Id);
    }

    [Fact]
    public async Task Partner_for_customer_assigns_and_asks_the_existing_admin_to_add_the_new_one()
    {
        var order = WorkflowFixture.Order(ProvisioningScenario.PartnerForCustomer);
        var id = await f.StartAsync(order);
        var (orgId, boss, admin, _) = await ChooseOwnOrganizationAsync(id);

        await f.WaitForCompletionAsync(id);

        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningOutcome.AssignedPendingAdminAddition, status.Outcome);
        var org = await f.Organizations.GetAsync(orgId, CancellationToken.None);
        Assert.Contains(org!.Subscriptions, s => s.Id == order.SubscriptionId);
        Assert.DoesNotContain(org.Users, u => u.Email == admin);
        var mail = await f.WaitForMailAsync(order.OrderId, m => m.Any(x => x.Kind == EmailKind.Outcome), "outcome");
        var request = Assert.Single(mail, m => m.Kind == EmailKind.AddAdminRequest);
        Assert.Equal(boss, request.To);
        Assert.Contains(admin, request.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProvisioningScenario.CustomerSelf)]
    [InlineData(ProvisioningScenario.PartnerSelf)]
    public async Task Approval_adds_the_admin_then_assigns(ProvisioningScenario scenario)
    {
        var order = WorkflowFixture.Order(scenario);
        var id = await f.StartAsync(order);
        var (orgId, boss, admin, _) = await ChooseOwnOrganizationAsync(id, scenario);

        var pending = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingAdminApproval);
        Assert.Equal(admin, pending.Approval!.RequestedAdminEmail);
        Assert.Equal([boss], pending.Approval.Approvers);
        var org = await f.Organizations.GetAsync(orgId, CancellationToken.None);
        Assert.DoesNotContain(org!.Subscriptions, s => s.Id == order.SubscriptionId);
        var request = Assert.Single(await f.WaitForMailAsync(order.OrderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest), "approval request"), m => m.Kind == EmailKind.ApprovalRequest);
        Assert.NotNull(request.ApprovalToken);

        await f.DecideAsync(id, pending, approve: true, by: boss);
        await f.WaitForCompletionAsync(id);

        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, status.Outcome);
        org = await f.Organizations.GetAsync(orgId, CancellationToken.None);
        Assert.Contains(org!.Users, u => u.Email == admin && u.IsFullAdmin);
        Assert.Contains(org.Subscriptions, s => s.Id == order.SubscriptionId);
        var audit = await f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "Approved" && a.Actor == boss);
        Assert.Contains(audit, a => a.Action == "AdministratorAdded");
    }

    [Fact]
    public async Task Rejection_ends_without_assigning_and_tells_the_contact_why()
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order);
        var (orgId, boss, admin, _) = await ChooseOwnOrganizationAsync(id);
        var pending = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingAdminApproval);

        await f.DecideAsync(id, pending, approve: false, by: boss, comment: "We do not know this person");
        await f.WaitForCompletionAsync(id);

        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningStage.Rejected, status.Stage);
        Assert.Equal(ProvisioningOutcome.Rejected, status.Outcome);
        var org = await f.Organizations.GetAsync(orgId, CancellationToken.None);
        Assert.DoesNotContain(org!.Subscriptions, s => s.Id == order.SubscriptionId);
        Assert.DoesNotContain(org.Users, u => u.Email == admin);
        var outcome = Assert.Single(await f.WaitForMailAsync(order.OrderId, m => m.Any(x => x.Kind == EmailKind.Outcome), "outcome"), m => m.Kind == EmailKind.Outcome);
        Assert.Contains("We do not know this person", outcome.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_activity_that_keeps_failing_ends_the_order_as_Failed_after_its_retries_and_records_why()
    {
        var order = WorkflowFixture.Order(contact: "buyer@" + WorkflowFixture.Unreachable);
        var timings = WorkflowFixture.LongTimings with { ActivityFirstRetry = TimeSpan.FromMilliseconds(50) };
        var id = await f.StartAsync(order, timings);

        var metadata = await f.WaitForCompletionAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningStage.Failed, status.Stage);
        var record = await f.Orders.GetAsync(order.OrderId, CancellationToken.None);
        Assert.Equal(ProvisioningStage.Failed, record!.Stage);
        var audit = await f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "Failed" && a.Detail!.Contains(nameof(SendInvitation), StringComparison.Ordinal));
        Assert.Empty(await f.MailAsync(order.OrderId));
    }

    [Fact]
    public async Task Approval_deadline_reminds_then_expires()
    {
        var order = WorkflowFixture.Order();
        var timings = WorkflowFixture.LongTimings with { ApprovalLifetime = TimeSpan.FromSeconds(4), ApprovalReminderBefore = TimeSpan.FromSeconds(2) };
        var id = await f.StartAsync(order, timings);
        await ChooseOwnOrganizationAsync(id);

        await f.WaitForCompletionAsync(id);

        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningStage.Expired, status.Stage);
        Assert.Equal(ProvisioningOutcome.Expired, status.Outcome);
        var kinds = (await f.WaitForMailAsync(order.OrderId, m => m.Any(x => x.Kind == EmailKind.Outcome), "outcome")).Select(m => m.Kind).ToList();
        Assert.Equal([EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.ApprovalRequest, EmailKind.ApprovalReminder, EmailKind.ApprovalClosed, EmailKind.Outcome], kinds);
    }

    [Fact]
    public async Task Invitation_deadline_reminds_then_expires()
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order, WorkflowFixture.LongTimings with { InvitationLifetime = TimeSpan.FromSeconds(4), InvitationReminderBefore = TimeSpan.FromSeconds(2) });

        await f.WaitForCompletionAsync(id);

        Assert.Equal(ProvisioningOutcome.Expired, (await f.StatusAsync(id)).Outcome);
        var kinds = (await f.WaitForMailAsync(order.OrderId, m => m.Count == 3, "three emails")).Select(m => m.Kind);
        Assert.Equal([EmailKind.Invitation, EmailKind.InvitationReminder, EmailKind.Outcome], kinds);
    }

    [Fact]
    public async Task Admin_of_several_organizations_chooses_among_them_without_approval()
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);
        await f.SubmitAsync(id, invited, "Globex", "boss@globex.com");
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
        Assert.Equal(MatchKind.AdminOfSeveral, choosing.MatchKind);

        await f.ChooseAsync(id, choosing, "org-multi-2");
        await f.WaitForCompletionAsync(id);

        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, status.Outcome);
        Assert.Equal("org-multi-2", status.Organization!.OrganizationId);
    }

    [Fact]
    public async Task Duplicate_and_stale_commands_are_ignored()
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);

        // An approval decision in the wrong stage, and the same submission twice.
        await f.DecideAsync(id, invited with { Step = 99 }, approve: true);
        await f.Client.RaiseEventAsync(id, ProvisioningEvents.WizardSubmitted, new WizardSubmitted(invited.Step, "Nobody Inc", "contact@buyer.example", DateTimeOffset.UtcNow));
        await f.Client.RaiseEventAsync(id, ProvisioningEvents.WizardSubmitted, new WizardSubmitted(invited.Step, "Acme Corporation", "ana@acme.com", DateTimeOffset.UtcNow));
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
        Assert.Equal("contact@buyer.example", choosing.Submission!.AdminEmail);
        Assert.Empty(choosing.Candidates!);

        // The stale second submission is consumed by the next wait (a submission for an old step is audited and
        // ignored), so the choice still works and the late approval never counts.
        await f.ChooseAsync(id, choosing with { Step = choosing.Step - 1 }, organizationId: null);
        await f.ChooseAsync(id, choosing, organizationId: null);
        await f.WaitForCompletionAsync(id);

        var status = await f.StatusAsync(id);
        Assert.Equal(ProvisioningOutcome.AssignedToNewOrganization, status.Outcome);
        var audit = await f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "IgnoredStaleCommand");
        Assert.Single(audit, a => a.Action == "WizardSubmitted");
    }

    [Fact]
    public async Task Cancel_while_waiting_for_approval_tells_contact_and_approver()
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order);
        var (_, boss, _, _) = await ChooseOwnOrganizationAsync(id);
        var pending = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingAdminApproval);

        await f.Client.RaiseEventAsync(id, ProvisioningEvents.CancelRequested, new CancelRequested(pending.Step, "Order withdrawn", "operator:key1", DateTimeOffset.UtcNow));
        await f.WaitForCompletionAsync(id);

        Assert.Equal(ProvisioningStage.Cancelled, (await f.StatusAsync(id)).Stage);
        var outcomes = (await f.WaitForMailAsync(order.OrderId, m => m.Count(x => x.Kind == EmailKind.Outcome) == 2, "two outcome emails")).Where(m => m.Kind == EmailKind.Outcome);
        Assert.Equal([boss, "contact@buyer.example"], outcomes.Select(m => m.To).Order());
    }

    [Fact]
    public async Task Resend_issues_a_new_link_revokes_the_old_one_and_restarts_the_deadline()
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);
        var first = Assert.Single(await f.WaitForMailAsync(order.OrderId, m => m.Count == 1, "invitation"));

        await f.Client.RaiseEventAsync(id, ProvisioningEvents.InvitationResendRequested, new InvitationResendRequested(invited.Step, "other@buyer.example", "operator:key1", DateTimeOffset.UtcNow));
        var resent = await f.WaitForAsync(id, s => s.InvitationGeneration == 2, "second generation");

        Assert.Equal(ProvisioningStage.InvitationSent, resent.Stage);
        Assert.True(resent.ExpiresAt >= invited.ExpiresAt);
        // The notice to the previous contact goes after the new invitation (it never holds the invitation up).
        var mail = await f.WaitForMailAsync(order.OrderId, m => m.Count(x => x.Kind == EmailKind.Invitation) == 2 && m.Any(x => x.Kind == EmailKind.InvitationRedirected), "second invitation and the notice");
        var second = mail.Last(x => x.Kind == EmailKind.Invitation);
        Assert.Equal("other@buyer.example", second.To);
        Assert.NotEqual(first.WizardToken, second.WizardToken);

        // The previous contact hears their link went to someone else.
        Assert.Equal(order.ProvisioningContactEmail, Assert.Single(mail, x => x.Kind == EmailKind.InvitationRedirected).To);
        Assert.Equal(TokenLookup.Gone, (await f.Tokens.FindAsync(first.WizardToken!, TokenKind.Wizard, DateTimeOffset.UtcNow, CancellationToken.None)).Result);
        Assert.Equal(TokenLookup.Found, (await f.Tokens.FindAsync(second.WizardToken!, TokenKind.Wizard, DateTimeOffset.UtcNow, CancellationToken.None)).Result);
        await f.Client.TerminateInstanceAsync(id);
    }

    [Fact]
    public async Task Progress_and_audit_are_recorded_per_order()
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);
        await f.SubmitAsync(id, invited, "x", "ana@acme.com");
        await f.WaitForCompletionAsync(id);

        var record = await Eventually.WaitAsync(() => f.Orders.GetAsync(order.OrderId, CancellationToken.None), r => r?.Stage == ProvisioningStage.Completed, what: "projection");
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, record!.Outcome);
        Assert.Equal("org-acme", record.OrganizationId);
        var audit = await f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None);
        Assert.Equal(["OrderReceived", "InvitationSent", "WizardSubmitted", "VerificationCodeSent", "AdminEmailVerified", "MatchedByRuleA", "Assigned", "OutcomeSent"], audit.Select(a => a.Action));
        Assert.Equal(Enumerable.Range(1, audit.Count), audit.Select(a => a.Sequence));
    }

    [Fact]
    public async Task A_throttled_email_service_is_waited_out_with_durable_timers_and_never_fails_the_order()
    {
        var order = WorkflowFixture.Order(contact: "buyer@" + WorkflowFixture.Throttling);
        var id = await f.StartAsync(order);

        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);
        var mail = await f.WaitForMailAsync(order.OrderId, m => m.Count == 1, "the invitation, once taken");

        Assert.Equal(EmailKind.Invitation, Assert.Single(mail).Kind);
        Assert.Equal(3, f.MailService.AttemptsTo(WorkflowFixture.Throttling));
        var audit = await Eventually.WaitAsync(() => f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None), a => a.Any(x => x.Action == "EmailSentAfterThrottling"), what: "the audit");
        Assert.Single(audit, a => a.Action == "EmailThrottled");
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await f.Client.GetInstanceAsync(id))!.RuntimeStatus);
        await f.Client.TerminateInstanceAsync(id);
        Assert.Equal(ProvisioningStage.InvitationSent, invited.Stage);
    }

    [Fact]
    public async Task An_email_refused_for_good_is_not_retried()
    {
        var order = WorkflowFixture.Order(contact: "buyer@" + WorkflowFixture.Refusing);
        var id = await f.StartAsync(order);

        var metadata = await f.WaitForCompletionAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        // The invitation once, then the notice that the order failed once: neither is sent again.
        Assert.Equal(2, f.MailService.AttemptsTo(WorkflowFixture.Refusing));
        var audit = await f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "Failed" && a.Detail!.Contains(nameof(SendInvitation), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_order_reopened_to_another_contact_runs_again_on_its_instance_continuing_its_sequences()
    {
        // Arrange: the invitation cannot be delivered, so the order fails.
        var order = WorkflowFixture.Order(contact: "buyer@" + WorkflowFixture.Unreachable);
        var timings = WorkflowFixture.LongTimings with { ActivityFirstRetry = TimeSpan.FromMilliseconds(50) };
        var id = await f.StartAsync(order, timings);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await f.WaitForCompletionAsync(id)).RuntimeStatus);
        var failed = await f.StatusAsync(id);
        var carry = Assert.IsType<RunCarry>(failed.Carry);
        var before = await f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None);
        Assert.Equal(1, carry.Run);
        Assert.Equal(before.Max(a => a.Sequence), carry.AuditSequence);

        // Act
        var reopener = f.Services.GetRequiredService<ServerlessProvisioning.Api.OrderReopener>();
        var problem = await reopener.ReopenAsync(f.Client, new ServerlessProvisioning.Api.OpenWorkflow(order.OrderId, id, failed), ReopenKind.Reopen, "operator:test", "buyer@acme.example", CancellationToken.None);

        // Assert: the same instance runs again, a new generation to the new contact, the audit and order row go on.
        Assert.Null(problem);
        var reopened = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);
        Assert.Equal(2, reopened.InvitationGeneration);
        Assert.True(reopened.Step > failed.Step + 1);
        Assert.Null(reopened.Carry);
        var mail = await f.WaitForMailAsync(order.OrderId, m => m.Any(x => x.Kind == EmailKind.Invitation), "the new invitation");
        Assert.Equal("buyer@acme.example", Assert.Single(mail, m => m.Kind == EmailKind.Invitation).To);
        var audit = await Eventually.WaitAsync(() => f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None), a => a.Any(x => x.Action == nameof(AuditAction.InvitationSent) && x.Sequence > carry.AuditSequence), TimeSpan.FromSeconds(30), "the new run's audit");
        Assert.Equal(audit.Count, audit.Select(a => a.Sequence).Distinct().Count());
        Assert.All(before, b => Assert.Contains(audit, a => a.Sequence == b.Sequence && a.Action == b.Action));
        Assert.Equal("operator:test", audit.Single(a => a.Action == nameof(AuditAction.OrderReopened)).Actor);
        var record = await Eventually.WaitAsync(() => f.Orders.GetAsync(order.OrderId, CancellationToken.None), r => r?.Stage == ProvisioningStage.InvitationSent, TimeSpan.FromSeconds(30), "the order row");
        Assert.Equal("buyer@acme.example", record!.ContactEmail);

        // A second reopening of the same ending, now that the order runs again, is refused.
        var again = await reopener.ReopenAsync(f.Client, new ServerlessProvisioning.Api.OpenWorkflow(order.OrderId, id, failed), ReopenKind.Reopen, "operator:test", null, CancellationToken.None);
        Assert.NotNull(again);
    }
}
