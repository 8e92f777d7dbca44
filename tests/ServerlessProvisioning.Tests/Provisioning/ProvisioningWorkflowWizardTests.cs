using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Provisioning;

/// <summary>
/// The wizard's newer steps on the real engine and Azurite: the admin address proven by a code before anything is
/// revealed, a new submission replacing the previous one, withdrawing a pending approval, the other approvers told
/// how a request ended, and an order that assigned nothing naming no organization.
/// </summary>
public class ProvisioningWorkflowWizardTests(WorkflowFixture f) : IClassFixture<WorkflowFixture>
{
    static string NewAdmin(string domain) => $"new{Guid.NewGuid():N}"[..12] + "@" + domain;

    async Task<(string Id, ProvisioningOrder Order, ProvisioningStatus Invited)> StartAsync(ProvisioningTimings? timings = null)
    {
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order, timings);
        return (id, order, await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent));
    }

    async Task<MailboxEntry> CodeMailAsync(ProvisioningOrder order, int round) =>
        (await f.WaitForMailAsync(order.OrderId, m => m.Count(x => x.Kind == EmailKind.AdminEmailVerification) >= round, $"code {round}"))
            .Where(m => m.Kind == EmailKind.AdminEmailVerification).ElementAt(round - 1);

    [Fact]
    public async Task An_address_other_than_the_contacts_is_proven_by_a_code_before_any_candidate_is_shown()
    {
        var (org, _, domain) = await f.CreateOrganizationAsync();
        var (id, order, invited) = await StartAsync();
        var admin = NewAdmin(domain);

        var waiting = await f.SubmitOnlyAsync(id, invited, "Initrode Systems", admin);

        Assert.Equal(ProvisioningStage.AwaitingAdminEmailVerification, waiting.Stage);
        Assert.Null(waiting.Candidates);
        Assert.Equal((admin, 5, false), (waiting.Verification!.SentTo, waiting.Verification.AttemptsLeft, waiting.Verification.Expired));
        var mail = await CodeMailAsync(order, 1);
        Assert.Equal(admin, mail.To);
        Assert.Matches("^[0-9]{6}$", mail.VerificationCode!);
        Assert.Contains(mail.VerificationCode!, mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("typed by the requester", mail.Text, StringComparison.Ordinal);

        await f.EnterCodeAsync(id, waiting, mail.VerificationCode!);
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);

        Assert.Equal(org, Assert.Single(choosing.Candidates!).OrganizationId);
        Assert.Null(choosing.Verification);
        var audit = await Eventually.WaitAsync(() => f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None), a => a.Any(x => x.Action == "AdminEmailVerified"), what: "the proof in the audit");
        Assert.Contains(audit, a => a.Action == "AdminEmailVerified" && a.Detail == admin);
        Assert.DoesNotContain(audit, a => a.Detail?.Contains(mail.VerificationCode!, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task The_contacts_own_address_needs_no_code()
    {
        var (id, order, invited) = await StartAsync();

        var next = await f.SubmitOnlyAsync(id, invited, "Nothing Like It Corp", "CONTACT@Buyer.example");

        Assert.Equal(ProvisioningStage.AwaitingOrganizationChoice, next.Stage);
        Assert.DoesNotContain(await f.MailAsync(order.OrderId), m => m.Kind == EmailKind.AdminEmailVerification);
    }

    [Fact]
    public async Task Five_wrong_codes_kill_the_code_and_a_new_submission_sends_a_new_one()
    {
        var (_, _, domain) = await f.CreateOrganizationAsync();
        var (id, order, invited) = await StartAsync();
        var admin = NewAdmin(domain);
        var status = await f.SubmitOnlyAsync(id, invited, "Initrode Systems", admin);
        var first = (await CodeMailAsync(order, 1)).VerificationCode!;
        var wrong = first == "000000" ? "111111" : "000000";

        for (var left = 4; left >= 0; left--)
        {
            await f.EnterCodeAsync(id, status, wrong);
            status = await f.WaitForAsync(id, s => s.Verification?.AttemptsLeft == left, $"{left} attempts left");
        }

        // Dead: even the right code no longer works, and the order waits for a new submission.
        await f.EnterCodeAsync(id, status, first);
        status = await f.WaitForAsync(id, s => s.Step > status.Step, "the refused code");
        Assert.Equal(ProvisioningStage.AwaitingAdminEmailVerification, status.Stage);
        Assert.Equal(0, status.Verification!.AttemptsLeft);

        status = await f.SubmitOnlyAsync(id, status, "Initrode Systems", admin);
        var second = (await CodeMailAsync(order, 2)).VerificationCode!;
        Assert.Equal((5, 2), (status.Verification!.AttemptsLeft, status.Verification.Round));
        Assert.Equal(second, f.CodeFor(id, status));
        await f.EnterCodeAsync(id, status, second);
        await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
    }

    [Fact]
    public async Task A_code_dies_after_its_lifetime()
    {
        var (_, _, domain) = await f.CreateOrganizationAsync();
        var (id, order, invited) = await StartAsync(WorkflowFixture.LongTimings with { VerificationLifetime = TimeSpan.FromSeconds(2) });
        var status = await f.SubmitOnlyAsync(id, invited, "Initrode Systems", NewAdmin(domain));
        var code = (await CodeMailAsync(order, 1)).VerificationCode!;

        var expired = await f.WaitForAsync(id, s => s.Verification?.Expired == true, "the code's expiry");
        await f.EnterCodeAsync(id, expired, code);
        var after = await f.WaitForAsync(id, s => s.Step > expired.Step, "the refused code");

        Assert.Equal(ProvisioningStage.AwaitingAdminEmailVerification, after.Stage);
        Assert.True(after.Step > status.Step);
        // The audit is written by an activity after the status moves: wait for it rather than read it once.
        await Eventually.WaitAsync(() => f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None), audit => audit.Any(a => a.Action == "VerificationCodeRefused"), what: "the refused code in the audit");
    }

    [Fact]
    public async Task A_new_submission_replaces_the_previous_one_until_an_organization_is_chosen()
    {
        var (org, _, domain) = await f.CreateOrganizationAsync("Umbrella Works");
        var (id, order, invited) = await StartAsync();

        // A typo in the company name: nothing matches; fixed by submitting again from the choice.
        var first = await f.SubmitOnlyAsync(id, invited, "Unbrella Works", "contact@buyer.example");
        Assert.Empty(first.Candidates!);
        var second = await f.SubmitOnlyAsync(id, first, "Umbrella Works", "contact@buyer.example");
        Assert.Equal(ProvisioningStage.AwaitingOrganizationChoice, second.Stage);
        Assert.Empty(second.Candidates!);

        // A typo in the admin address while the code is awaited: fixed by submitting again, which sends a new code.
        var typo = await f.SubmitOnlyAsync(id, second, "Umbrella Works", "bos@" + domain);
        Assert.Equal("bos@" + domain, typo.Verification!.SentTo);
        await f.SubmitAsync(id, typo, "Umbrella Works", NewAdmin(domain));
        var choosing = await f.WaitForAsync(id, s => s.Stage == ProvisioningStage.AwaitingOrganizationChoice && s.Candidates!.Count > 0, "candidates");

        Assert.Equal(org, Assert.Single(choosing.Candidates!).OrganizationId);
        var audit = await Eventually.WaitAsync(() => f.Orders.GetAuditAsync(order.OrderId, CancellationToken.None), a => a.Any(x => x.Action == "AdminEmailVerified"), what: "the last submission in the audit");
        Assert.Equal(3, audit.Count(a => a.Action == "SubmissionReplaced"));
    }

    [Fact]
    public async Task Withdrawing_a_pending_request_tells_the_approvers_kills_their_links_and_returns_to_the_choice()
    {
        var (org, boss, domain) = await f.CreateOrganizationAsync();
        var (id, order, invited) = await StartAsync();
        await f.SubmitAsync(id, invited, "Initrode Systems", NewAdmin(domain));
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
        await f.ChooseAsync(id, choosing, org);
        var pending = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingAdminApproval);
        var link = (await f.WaitForMailAsync(order.OrderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest), "approval request")).Single(m => m.Kind == EmailKind.ApprovalRequest).ApprovalToken!;

        await f.Client.RaiseEventAsync(id, ProvisioningEvents.ApprovalWithdrawn, new ApprovalWithdrawn(pending.Step, DateTimeOffset.UtcNow));
        var back = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);

        Assert.Equal(choosing.Candidates!.Select(c => c.OrganizationId), back.Candidates!.Select(c => c.OrganizationId));
        Assert.Equal(ApprovalEnd.Withdrawn, back.Approval!.Decision);
        Assert.Null(back.Organization);
        Assert.Equal(choosing.ExpiresAt, back.ExpiresAt);
        var closed = (await f.WaitForMailAsync(order.OrderId, m => m.Any(x => x.Kind == EmailKind.ApprovalClosed), "approver told")).Single(m => m.Kind == EmailKind.ApprovalClosed);
        Assert.Equal(boss, closed.To);
        Assert.Contains("withdrew", closed.Text, StringComparison.Ordinal);
        var (lookup, record) = await Eventually.WaitAsync(() => f.Tokens.FindAsync(link, TokenKind.Approval, DateTimeOffset.UtcNow, CancellationToken.None), r => r.Result == TokenLookup.Gone, what: "revoked link");
        Assert.Equal(LinkGoneReason.Withdrawn, record!.RevokedReason);

        // The contact can choose again: the same organization asks anew, with links of a new round.
        await f.ChooseAsync(id, back, org);
        var again = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingAdminApproval);
        Assert.Equal(2, again.Approval!.Round);
        Assert.Null(again.Approval.Decision);
    }

    [Fact]
    public async Task A_proven_address_is_not_asked_again_and_a_new_submission_forgets_a_withdrawn_request()
    {
        var (org, _, domain) = await f.CreateOrganizationAsync();
        var (id, order, invited) = await StartAsync();
        var admin = NewAdmin(domain);
        await f.SubmitAsync(id, invited, "Initrode Systems", admin);
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
        await f.ChooseAsync(id, choosing, org);
        var pending = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingAdminApproval);
        await f.Client.RaiseEventAsync(id, ProvisioningEvents.ApprovalWithdrawn, new ApprovalWithdrawn(pending.Step, DateTimeOffset.UtcNow));
        var back = await f.WaitForAsync(id, s => s.Stage == ProvisioningStage.AwaitingOrganizationChoice && s.Approval?.Decision == ApprovalEnd.Withdrawn, "the withdrawal");

        // Only the company name changes (and the address's case): the address was proven under this invitation.
        var corrected = await f.SubmitOnlyAsync(id, back, "Initrode Systems Inc", admin.ToUpperInvariant());

        Assert.Equal(ProvisioningStage.AwaitingOrganizationChoice, corrected.Stage);
        Assert.Null(corrected.Approval);
        Assert.Equal(org, Assert.Single(corrected.Candidates!).OrganizationId);
        Assert.Single(await f.MailAsync(order.OrderId), m => m.Kind == EmailKind.AdminEmailVerification);

        // A resent invitation forgets it: whoever holds the new link proves the address again.
        await f.Client.RaiseEventAsync(id, ProvisioningEvents.InvitationResendRequested, new InvitationResendRequested(corrected.Step, null, "operator:key1", DateTimeOffset.UtcNow));
        var reinvited = await f.WaitForAsync(id, s => s.InvitationGeneration == 2 && s.Stage == ProvisioningStage.InvitationSent, "the new invitation");
        Assert.Null(reinvited.Approval);
        var asked = await f.SubmitOnlyAsync(id, reinvited, "Initrode Systems", admin);
        Assert.Equal(ProvisioningStage.AwaitingAdminEmailVerification, asked.Stage);
    }

    [Fact]
    public async Task When_one_approver_decides_the_others_are_told_and_a_rejection_names_no_organization()
    {
        var (org, boss, domain) = await f.CreateOrganizationAsync(users: 2);
        var second = "second@" + domain;
        await f.Organizations.AddFullAdminAsync(org, second, "Second Admin", CancellationToken.None);
        var (id, order, invited) = await StartAsync();
        await f.SubmitAsync(id, invited, "Initrode Systems", NewAdmin(domain));
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
        await f.ChooseAsync(id, choosing, org);
        var pending = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingAdminApproval);
        Assert.Equal(2, pending.Approval!.Approvers.Count);

        await f.DecideAsync(id, pending, approve: false, by: boss, comment: "Not one of ours");
        await f.WaitForCompletionAsync(id);

        var closed = (await f.WaitForMailAsync(order.OrderId, m => m.Any(x => x.Kind == EmailKind.ApprovalClosed), "the other approver told")).Where(m => m.Kind == EmailKind.ApprovalClosed).ToList();
        Assert.Equal([second], closed.Select(m => m.To));
        Assert.Contains(boss, closed[0].Text, StringComparison.Ordinal);
        var record = await Eventually.WaitAsync(() => f.Orders.GetAsync(order.OrderId, CancellationToken.None), r => r?.Stage == ProvisioningStage.Rejected, what: "rejected");
        Assert.Null(record!.OrganizationId);
        Assert.Equal(org, record.ChosenOrganizationId);
    }

    [Fact]
    public async Task A_partner_provisioning_for_itself_is_offered_only_partner_organizations()
    {
        var (customer, _, domain) = await f.CreateOrganizationAsync("Vandelay Industries");
        var partner = $"org-{Guid.NewGuid():N}"[..16];
        await f.Organizations.PutAsync(new Organization(partner, "Vandelay Partners", OrganizationType.Partner, DateTimeOffset.UtcNow.AddYears(-1), [new OrganizationUser("p@" + domain, null, [UserRole.FullAdmin])], []), null, CancellationToken.None);
        var order = WorkflowFixture.Order(ProvisioningScenario.PartnerSelf);
        var id = await f.StartAsync(order);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);

        await f.SubmitAsync(id, invited, "Vandelay", NewAdmin(domain));
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);

        Assert.Equal([partner], choosing.Candidates!.Select(c => c.OrganizationId));
        Assert.DoesNotContain(choosing.Candidates!, c => c.OrganizationId == customer);
    }
}
