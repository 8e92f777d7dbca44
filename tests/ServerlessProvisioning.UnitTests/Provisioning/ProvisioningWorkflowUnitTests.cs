using System.Threading.Channels;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
using ServerlessProvisioning.Provisioning.Activities;
using Xunit.Sdk;
using Match = ServerlessProvisioning.Provisioning.Activities.Match;

namespace ServerlessProvisioning.UnitTests.Provisioning;

/// <summary>
/// The workflow's stage transitions on a strict mock of <see cref="TaskOrchestrationContext"/>: no engine, no storage,
/// no real timers, milliseconds per test. Each transition asserts the activities called, in order, and the custom
/// statuses published. The same paths run on the real engine in ProvisioningWorkflowTests and
/// ProvisioningWorkflowWizardTests (ServerlessProvisioning.Tests); these pin the exact calls, which the engine tests
/// cannot see.
/// </summary>
public class ProvisioningWorkflowUnitTests
{
    internal const string Contact = "buyer@acme.example";
    const string OtherAdmin = "it@acme.example";
    const string Boss = "boss@acme.example";
    const string Deputy = "deputy@acme.example";

    static readonly DateTimeOffset Start = ScriptedOrchestration.Start;
    static readonly DateTimeOffset InvitationDeadline = Start + TimeSpan.FromDays(30);

    internal static ProvisioningInput Input(ProvisioningScenario scenario = ProvisioningScenario.CustomerSelf) => new(
        new ProvisioningOrder("ord-u1", "sub-u1", Contact, scenario, "en"),
        new ProvisioningTimings(InvitationLifetime: TimeSpan.FromDays(30), InvitationReminderBefore: TimeSpan.Zero, ApprovalLifetime: TimeSpan.FromDays(7), ApprovalReminderBefore: TimeSpan.Zero));

    static Candidate Candidate(string id, string name, params string[] admins) => new(
        id, name, OrganizationType.Customer, Start.AddYears(-2), ActiveSubscriptions: 1, Users: 3,
        admins.Select(a => new AdminContact(a)).ToList(), UsageAssessment.InUse, [AssessmentReason.HasActiveSubscriptions], [MatchReason.NamePrefix]);

    static readonly Candidate AcmeCorp = Candidate("org-acme", "Acme Corp", Boss, Deputy);
    static readonly Candidate AcmeLabs = Candidate("org-labs", "Acme Labs", "lab@acme.example");

    // Starts the workflow and checks the invitation went out: the state every other test starts from.
    static async Task<(ScriptedOrchestration Run, WaitPoint Wait)> InvitedAsync(ProvisioningScenario scenario = ProvisioningScenario.CustomerSelf)
    {
        var run = new ScriptedOrchestration();
        var wait = await run.StartAsync(Input(scenario));
        Assert.Equal([nameof(RecordProgress), nameof(SendInvitation)], run.TakeActivities().Select(c => c.Name));
        Assert.Equal(ProvisioningStage.InvitationSent, Assert.Single(run.TakeStatuses()).Stage);
        return (run, wait);
    }

    // From the invitation to the choice with the contact's own address, the matcher offering Acme Corp and Acme Labs.
    static async Task<(ScriptedOrchestration Run, WaitPoint Wait)> ChoosingAsync(ProvisioningScenario scenario = ProvisioningScenario.CustomerSelf)
    {
        var (run, _) = await InvitedAsync(scenario);
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [AcmeCorp, AcmeLabs], null));
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", Contact, Start));
        var wait = await run.NextWaitAsync();
        Assert.Equal([nameof(Match), nameof(RecordProgress)], run.TakeActivities().Select(c => c.Name));
        Assert.Equal([ProvisioningStage.Matching, ProvisioningStage.AwaitingOrganizationChoice], run.TakeStatuses().Select(s => s.Stage));
        return (run, wait);
    }

    // From the choice to the pending approval: Acme Corp chosen, the requested admin not among its full admins.
    static async Task<(ScriptedOrchestration Run, WaitPoint Wait, ProvisioningStatus Status)> AwaitingApprovalAsync()
    {
        var (run, _) = await ChoosingAsync();
        run.Script(nameof(Inspect), input => new OrganizationCheck(true, "Acme Corp", OrganizationType.Customer, AdminIsFullAdmin: ((InspectRequest)input!).AdminEmail is Boss or Deputy, [new AdminContact(Boss), new AdminContact(Deputy)]));
        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, "org-acme", CreateNew: false, Start));
        var wait = await run.NextWaitAsync();
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(RecordProgress), nameof(SendApprovalRequests)], calls.Select(c => c.Name));
        Assert.Equal(new InspectRequest("org-acme", Contact), calls[0].Input);
        var status = Assert.Single(run.TakeStatuses());
        return (run, wait, status);
    }

    [Fact]
    public async Task The_first_invitation_goes_out_and_the_workflow_waits_for_the_submission()
    {
        var run = new ScriptedOrchestration();

        var wait = await run.StartAsync(Input());

        var calls = run.TakeActivities();
        Assert.Equal([nameof(RecordProgress), nameof(SendInvitation)], calls.Select(c => c.Name));
        var progress = Assert.IsType<ProgressRequest>(calls[0].Input);
        Assert.Equal(["OrderReceived", "InvitationSent"], progress.Audit.Select(a => a.Action));
        Assert.Equal((1, ProvisioningStage.InvitationSent), (progress.Sequence, progress.Stage));
        // What the orders index searches by: the subscription, the current contact and deadline (no company typed yet).
        Assert.Equal(("sub-u1", Contact, (string?)null, (DateTimeOffset?)InvitationDeadline), (progress.SubscriptionId, progress.ContactEmail, progress.CompanyName, progress.ExpiresAt));
        var invitation = Assert.IsType<InvitationRequest>(calls[1].Input);
        Assert.Equal((Contact, 1, false, InvitationDeadline, (string?)null), (invitation.ContactEmail, invitation.Generation, invitation.IsReminder, invitation.ExpiresAt, invitation.PreviousContactEmail));
        Assert.Equal(new MailContext("ord-u1", ScriptedOrchestration.InstanceId, "sub-u1", ProvisioningScenario.CustomerSelf, "en"), invitation.Mail);
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.InvitationSent, 1, 1, InvitationDeadline), (status.Stage, status.Step, status.InvitationGeneration, status.ExpiresAt));
        Assert.Null(status.Submission);
        Assert.Equal([ProvisioningEvents.WizardSubmitted, ProvisioningEvents.CancelRequested, ProvisioningEvents.InvitationResendRequested, ProvisioningEvents.DeadlineChangeRequested], wait.Events);
        Assert.Equal(InvitationDeadline.UtcDateTime, wait.FireAt);
    }

    [Fact]
    public async Task A_submission_with_the_contacts_own_address_goes_straight_to_matching_and_offers_the_candidates()
    {
        var (run, _) = await InvitedAsync();
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [AcmeCorp, AcmeLabs], "Similar names found."));

        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", "Buyer@ACME.example", Start.AddMinutes(3)));
        var wait = await run.NextWaitAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Match), nameof(RecordProgress)], calls.Select(c => c.Name));
        Assert.Equal(new MatchRequest("Acme", Contact, ProvisioningScenario.CustomerSelf, "ord-u1", Round: 1), calls[0].Input);
        Assert.Equal(["WizardSubmitted", "MatchedByRuleB"], Assert.IsType<ProgressRequest>(calls[1].Input).Audit.Select(a => a.Action));
        Assert.Equal("Acme", Assert.IsType<ProgressRequest>(calls[1].Input).CompanyName);
        var statuses = run.TakeStatuses();
        Assert.Equal([ProvisioningStage.Matching, ProvisioningStage.AwaitingOrganizationChoice], statuses.Select(s => s.Stage));
        Assert.Equal(1, statuses[0].Step);
        var choosing = statuses[1];
        Assert.Equal(2, choosing.Step);
        Assert.Equal(new SubmissionView("Acme", Contact), choosing.Submission);
        Assert.Equal(MatchKind.Candidates, choosing.MatchKind);
        Assert.Equal(["org-acme", "org-labs"], choosing.CandidateIds);
        Assert.Equal(1, choosing.MatchRound);
        Assert.Null(choosing.Candidates);
        Assert.Equal("Similar names found.", choosing.Notice);
        Assert.Null(choosing.Verification);
        Assert.Equal([ProvisioningEvents.WizardSubmitted, ProvisioningEvents.OrganizationChosen, ProvisioningEvents.CancelRequested, ProvisioningEvents.InvitationResendRequested, ProvisioningEvents.DeadlineChangeRequested], wait.Events);
        Assert.Equal(InvitationDeadline.UtcDateTime, wait.FireAt);
    }

    [Fact]
    public async Task Another_address_waits_for_its_code_and_the_right_code_then_matches()
    {
        var (run, _) = await InvitedAsync();
        var submittedAt = Start.AddMinutes(3);
        run.Now = submittedAt;

        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", OtherAdmin, submittedAt));
        var verifying = await run.NextWaitAsync();

        var codeExpires = submittedAt + ProvisioningWorkflow.VerificationLifetime;
        var calls = run.TakeActivities();
        Assert.Equal([nameof(RecordProgress), nameof(SendVerificationCode)], calls.Select(c => c.Name));
        var codeMail = Assert.IsType<VerificationMailRequest>(calls[1].Input);
        Assert.Equal((Contact, OtherAdmin, (string?)null, 1, codeExpires), (codeMail.ContactEmail, codeMail.AdminEmail, codeMail.CompanyName, codeMail.Round, codeMail.ExpiresAt));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingAdminEmailVerification, 2), (status.Stage, status.Step));
        Assert.Equal(new VerificationView(OtherAdmin, codeExpires, ProvisioningWorkflow.VerificationAttempts, Expired: false, Round: 1), status.Verification);
        Assert.Null(status.CandidateIds);
        Assert.Equal([ProvisioningEvents.WizardSubmitted, ProvisioningEvents.VerificationCodeEntered, ProvisioningEvents.CancelRequested, ProvisioningEvents.InvitationResendRequested, ProvisioningEvents.DeadlineChangeRequested], verifying.Events);
        Assert.Equal(codeExpires.UtcDateTime, verifying.FireAt); // the code dies before the invitation: its timer is the one waited on

        run.Script(nameof(CheckVerificationCode), _ => true);
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [AcmeCorp], null));
        run.Raise(ProvisioningEvents.VerificationCodeEntered, new VerificationCodeEntered(2, "123456", submittedAt.AddMinutes(1)));
        var choosing = await run.NextWaitAsync();

        calls = run.TakeActivities();
        Assert.Equal([nameof(CheckVerificationCode), nameof(Match), nameof(RecordProgress)], calls.Select(c => c.Name));
        Assert.Equal(new VerificationCheck(ScriptedOrchestration.InstanceId, 1, OtherAdmin, "123456"), calls[0].Input);
        Assert.Equal(new MatchRequest("Acme", OtherAdmin, ProvisioningScenario.CustomerSelf, "ord-u1", Round: 1), calls[1].Input);
        var statuses = run.TakeStatuses();
        Assert.Equal([ProvisioningStage.Matching, ProvisioningStage.AwaitingOrganizationChoice], statuses.Select(s => s.Stage));
        Assert.All(statuses, s => Assert.Null(s.Verification));
        Assert.Equal(3, statuses[1].Step);
        Assert.Equal(["org-acme"], statuses[1].CandidateIds);
        Assert.Equal(InvitationDeadline.UtcDateTime, choosing.FireAt);
    }

    [Fact]
    public async Task A_wrong_code_lowers_the_attempts_left_and_the_code_is_asked_again()
    {
        var (run, _) = await InvitedAsync();
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", OtherAdmin, Start));
        var verifying = await run.NextWaitAsync();
        run.TakeActivities();
        Assert.Equal(ProvisioningWorkflow.VerificationAttempts, Assert.Single(run.TakeStatuses()).Verification!.AttemptsLeft);
        run.Script(nameof(CheckVerificationCode), _ => false);

        run.Raise(ProvisioningEvents.VerificationCodeEntered, new VerificationCodeEntered(2, "000000", Start.AddMinutes(1)));
        var again = await run.NextWaitAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(CheckVerificationCode), nameof(RecordProgress)], calls.Select(c => c.Name));
        var wrong = Assert.Single(Assert.IsType<ProgressRequest>(calls[1].Input).Audit);
        Assert.Equal(("VerificationCodeWrong", "4 attempt(s) left"), (wrong.Action, wrong.Detail));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingAdminEmailVerification, 3), (status.Stage, status.Step));
        Assert.Equal(ProvisioningWorkflow.VerificationAttempts - 1, status.Verification!.AttemptsLeft);
        Assert.False(status.Verification.Expired);
        Assert.Equal(verifying.Events, again.Events);
        Assert.Equal(verifying.FireAt, again.FireAt);

        // The next code answers the new step.
        run.Raise(ProvisioningEvents.VerificationCodeEntered, new VerificationCodeEntered(3, "000001", Start.AddMinutes(2)));
        await run.NextWaitAsync();
        Assert.Equal([nameof(CheckVerificationCode), nameof(RecordProgress)], run.TakeActivities().Select(c => c.Name));
        Assert.Equal(ProvisioningWorkflow.VerificationAttempts - 2, Assert.Single(run.TakeStatuses()).Verification!.AttemptsLeft);
    }

    [Fact]
    public async Task Rule_A_assigns_to_the_one_organization_the_admin_administers_without_a_choice()
    {
        var (run, _) = await InvitedAsync();
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.AdminOfOne, [AcmeCorp], null));

        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", Contact, Start));
        var result = await run.FinishedAsync();

        Assert.Equal(new ProvisioningResult(ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization, "org-acme"), result);
        var calls = run.TakeActivities();
        Assert.Equal(
            [nameof(Match), nameof(RecordProgress), nameof(Assign), nameof(SendAssignmentNotice), nameof(RecordProgress), nameof(SendOutcome), nameof(DeliverCallback), nameof(RecordProgress)],
            calls.Select(c => c.Name));
        Assert.Equal(new AssignRequest("ord-u1", "sub-u1", "org-acme", null), calls[2].Input);

        // The organization's other full admins hear of it: nobody was asked.
        Assert.Equal(new AssignmentNoticeRequest(Assert.IsType<AssignmentNoticeRequest>(calls[3].Input).Mail, "org-acme", Contact, Contact), calls[3].Input);
        var outcome = Assert.IsType<OutcomeMailRequest>(calls[5].Input);
        Assert.Equal((ProvisioningOutcome.AssignedToExistingOrganization, "Acme Corp", Contact), (outcome.Outcome, outcome.OrganizationName, outcome.RequestedAdminEmail));
        var callback = Assert.IsType<CallbackRequest>(calls[6].Input);
        Assert.Equal((ProvisioningStage.Completed, "org-acme"), (callback.Stage, callback.OrganizationId));
        Assert.Same(ProvisioningWorkflow.CallbackOptions, calls[6].Options);
        var statuses = run.TakeStatuses();
        Assert.Equal([ProvisioningStage.Matching, ProvisioningStage.Assigning, ProvisioningStage.Completed], statuses.Select(s => s.Stage));
        Assert.Equal(MatchKind.AdminOfOne, statuses[1].MatchKind);
        Assert.Equal(new OrganizationView("org-acme", "Acme Corp", OrganizationType.Customer), statuses[1].Organization);
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, statuses[2].Outcome);
        Assert.Equal(1, statuses[2].Step); // no person was waited for after the submission
        Assert.True(run.AllWaitsEnded);
    }

    [Fact]
    public async Task Choosing_an_organization_the_admin_does_not_administer_waits_for_approval_and_approval_assigns()
    {
        var (run, approving, status) = await AwaitingApprovalAsync();

        Assert.Equal((ProvisioningStage.AwaitingAdminApproval, 3), (status.Stage, status.Step));
        var approvalDeadline = Start + TimeSpan.FromDays(7);
        Assert.Equal(new OrganizationView("org-acme", "Acme Corp", OrganizationType.Customer), status.Organization);
        Assert.Equal(("org-acme", Contact, Contact, 1, approvalDeadline, (ApprovalEnd?)null), (status.Approval!.OrganizationId, status.Approval.RequestedAdminEmail, status.Approval.RequestedBy, status.Approval.Round, status.Approval.ExpiresAt, status.Approval.Decision));
        Assert.Equal([Boss, Deputy], status.Approval.Approvers);
        Assert.Equal(approvalDeadline, status.ExpiresAt);
        Assert.Equal([ProvisioningEvents.ApprovalDecided, ProvisioningEvents.ApprovalWithdrawn, ProvisioningEvents.CancelRequested, ProvisioningEvents.ApprovalReminderRequested, ProvisioningEvents.DeadlineChangeRequested, ProvisioningEvents.OrganizationChanged], approving.Events);
        Assert.Equal(approvalDeadline.UtcDateTime, approving.FireAt);

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: true, "Welcome", Boss, Start.AddHours(2)));
        var result = await run.FinishedAsync();

        Assert.Equal(new ProvisioningResult(ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization, "org-acme"), result);
        var calls = run.TakeActivities();
        Assert.Equal(
            [nameof(Inspect), nameof(RecordProgress), nameof(AddAdministrator), nameof(Assign), nameof(CloseApprovalRequest), nameof(RecordProgress), nameof(SendOutcome), nameof(DeliverCallback), nameof(RecordProgress)],
            calls.Select(c => c.Name));

        // The decision counts only from someone who is a full administrator as the directory stands now.
        Assert.Equal(new InspectRequest("org-acme", Boss), calls[0].Input);
        Assert.Equal(new AddAdministratorRequest("org-acme", Contact), calls[2].Input);
        Assert.Equal(new AssignRequest("ord-u1", "sub-u1", "org-acme", null), calls[3].Input);

        // The other approvers are told once the assignment is done, not before a step that could still fail.
        var closed = Assert.IsType<ApprovalClosedMailRequest>(calls[4].Input);
        Assert.Equal((ApprovalEnd.Approved, Boss), (closed.End, closed.DecidedBy));
        Assert.Equal([Deputy], closed.Recipients); // the one who approved is not told
        var statuses = run.TakeStatuses();
        Assert.Equal([ProvisioningStage.Assigning, ProvisioningStage.Completed], statuses.Select(s => s.Stage));
        Assert.Equal(((ApprovalEnd?)ApprovalEnd.Approved, Boss, "Welcome"), (statuses[0].Approval!.Decision, statuses[0].Approval!.DecidedBy, statuses[0].Approval!.Comment));
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, statuses[1].Outcome);
        Assert.True(run.AllWaitsEnded);
    }

    [Fact]
    public async Task A_fourth_approval_request_under_one_invitation_is_not_made()
    {
        // Arrange: choose and withdraw three times.
        var (run, _, waiting) = await AwaitingApprovalAsync();
        var step = waiting.Step;
        for (var round = 1; round <= OrderLimits.ApprovalRequestsPerInvitation; round++)
        {
            run.Raise(ProvisioningEvents.ApprovalWithdrawn, new ApprovalWithdrawn(step, Start.AddMinutes(round)));
            await run.NextWaitAsync();
            step++;
            if (round < OrderLimits.ApprovalRequestsPerInvitation)
            {
                run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(step, "org-acme", CreateNew: false, Start.AddMinutes(round)));
                await run.NextWaitAsync();
                step++;
            }
        }

        run.TakeActivities();
        var before = run.TakeStatuses()[^1];
        Assert.Equal((ProvisioningStage.AwaitingOrganizationChoice, 3), (before.Stage, before.ApprovalRequestsSent));

        // Act
        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(step, "org-acme", CreateNew: false, Start.AddHours(1)));
        var wait = await run.NextWaitAsync();

        // Assert: no request mailed, the refusal audited, and the choice still open on a new step.
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(RecordProgress)], calls.Select(c => c.Name));
        Assert.Contains(Assert.IsType<ProgressRequest>(calls[1].Input).Audit, a => a.Action == "ApprovalLimitReached");
        var after = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingOrganizationChoice, step + 1, 3), (after.Stage, after.Step, after.ApprovalRequestsSent));
        Assert.Contains(ProvisioningEvents.OrganizationChosen, wait.Events);
    }

    [Fact]
    public async Task A_decision_from_someone_no_longer_a_full_admin_is_not_taken_and_the_others_can_still_decide()
    {
        var (run, _, waiting) = await AwaitingApprovalAsync();

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: true, null, "removed@acme.example", Start.AddHours(1)));
        var again = await run.NextWaitAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(RecordProgress)], calls.Select(c => c.Name));
        var refused = Assert.Single(Assert.IsType<ProgressRequest>(calls[1].Input).Audit);
        Assert.Equal(("removed@acme.example", "DecisionRefused"), (refused.Actor, refused.Action));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingAdminApproval, waiting.Step + 1, (ApprovalEnd?)null), (status.Stage, status.Step, status.Approval!.Decision));
        Assert.Equal([ProvisioningEvents.ApprovalDecided, ProvisioningEvents.ApprovalWithdrawn, ProvisioningEvents.CancelRequested, ProvisioningEvents.ApprovalReminderRequested, ProvisioningEvents.DeadlineChangeRequested, ProvisioningEvents.OrganizationChanged], again.Events);
    }

    [Fact]
    public async Task An_administrator_added_while_the_approval_waits_is_asked_in_the_same_round_and_nobody_else_again()
    {
        var (run, _, waiting) = await AwaitingApprovalAsync();
        const string Added = "added@acme.example";
        run.Script(nameof(Inspect), _ => new OrganizationCheck(true, "Acme Corp", OrganizationType.Customer, false, [new AdminContact(Boss), new AdminContact(Added)], 2));

        run.Raise(ProvisioningEvents.OrganizationChanged, new OrganizationChanged("org-acme", Start.AddHours(1)));
        var again = await run.NextWaitAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(RecordProgress), nameof(SendApprovalRequests)], calls.Select(c => c.Name));
        var audit = Assert.Single(Assert.IsType<ProgressRequest>(calls[1].Input).Audit);
        Assert.Equal("ApproversChanged", audit.Action);
        Assert.Contains(Added, audit.Detail, StringComparison.Ordinal);
        Assert.Contains(Deputy, audit.Detail, StringComparison.Ordinal);
        var asked = Assert.IsType<ApprovalMailRequest>(calls[2].Input);
        Assert.Equal([Added], asked.Approvers);
        Assert.Equal((waiting.Approval!.Round, waiting.Approval.ExpiresAt, false), (asked.Round, asked.ExpiresAt, asked.IsReminder));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingAdminApproval, waiting.Step), (status.Stage, status.Step));
        Assert.Equal([Boss, Added], status.Approval!.Approvers);
        Assert.Contains(ProvisioningEvents.OrganizationChanged, again.Events);
    }

    [Fact]
    public async Task A_change_that_leaves_the_approvers_as_they_were_or_of_another_organization_does_nothing_visible()
    {
        var (run, _, _) = await AwaitingApprovalAsync();

        run.Raise(ProvisioningEvents.OrganizationChanged, new OrganizationChanged("org-labs", Start.AddHours(1)));
        await run.NextWaitAsync();
        Assert.Empty(run.TakeActivities());
        run.Raise(ProvisioningEvents.OrganizationChanged, new OrganizationChanged("org-acme", Start.AddHours(1)));
        await run.NextWaitAsync();

        Assert.Equal([nameof(Inspect)], run.TakeActivities().Select(c => c.Name));
        Assert.Empty(run.TakeStatuses());
    }

    [Theory]
    [InlineData(false, OrganizationType.Customer, 2)]
    [InlineData(true, OrganizationType.Partner, 2)]
    [InlineData(true, OrganizationType.Customer, 0)]
    public async Task An_approval_whose_organization_was_deleted_or_no_longer_fits_closes_and_the_contact_chooses_again(bool exists, OrganizationType type, int admins)
    {
        var (run, _, waiting) = await AwaitingApprovalAsync();
        var fullAdmins = new[] { new AdminContact(Boss), new AdminContact(Deputy) }.Take(admins).ToList();
        run.Script(nameof(Inspect), _ => new OrganizationCheck(exists, exists ? "Acme Corp" : string.Empty, type, false, fullAdmins, admins));

        run.Raise(ProvisioningEvents.OrganizationChanged, new OrganizationChanged("org-acme", Start.AddHours(1)));
        var choosing = await run.NextWaitAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(RecordProgress), nameof(CloseApprovalRequest)], calls.Select(c => c.Name));
        Assert.Equal("ApprovalClosed", Assert.Single(Assert.IsType<ProgressRequest>(calls[1].Input).Audit).Action);
        var closed = Assert.IsType<ApprovalClosedMailRequest>(calls[2].Input);
        Assert.Equal((ApprovalEnd.Closed, (string?)null, waiting.Approval!.Round), (closed.End, closed.DecidedBy, closed.Round));
        Assert.Equal([Boss, Deputy], closed.Recipients);
        Assert.Equal(Contact, closed.Contact!.ContactEmail);
        Assert.True(closed.Contact.ChooseBy >= InvitationDeadline);
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingOrganizationChoice, waiting.Step + 1, (ApprovalEnd?)ApprovalEnd.Closed), (status.Stage, status.Step, status.Approval!.Decision));
        Assert.Equal(["org-labs"], status.CandidateIds);
        Assert.Null(status.Organization);
        Assert.Equal(closed.Contact.ChooseBy, status.ExpiresAt);
        Assert.Contains(ProvisioningEvents.OrganizationChosen, choosing.Events);
    }

    [Fact]
    public async Task An_operator_reminder_asks_every_current_approver_again_under_a_key_of_its_own_and_opens_a_new_step()
    {
        var (run, _, waiting) = await AwaitingApprovalAsync();

        run.Raise(ProvisioningEvents.ApprovalReminderRequested, new ApprovalReminderRequested(waiting.Step, "ops@example.com", Start.AddHours(1)));
        var again = await run.NextWaitAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(RecordProgress), nameof(SendApprovalRequests)], calls.Select(c => c.Name));
        var audit = Assert.Single(Assert.IsType<ProgressRequest>(calls[0].Input).Audit);
        Assert.Equal(("ops@example.com", "ApprovalReminderRequested"), (audit.Actor, audit.Action));
        var reminder = Assert.IsType<ApprovalMailRequest>(calls[1].Input);
        Assert.Equal([Boss, Deputy], reminder.Approvers);
        Assert.Equal((true, 1, waiting.Approval!.Round, waiting.Approval.ExpiresAt), (reminder.IsReminder, reminder.Nudge, reminder.Round, reminder.ExpiresAt));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingAdminApproval, waiting.Step + 1), (status.Stage, status.Step));
        Assert.Contains(ProvisioningEvents.ApprovalReminderRequested, again.Events);

        // A second one is numbered on, so the email service sends it too.
        run.Raise(ProvisioningEvents.ApprovalReminderRequested, new ApprovalReminderRequested(status.Step, "ops@example.com", Start.AddHours(2)));
        await run.NextWaitAsync();
        Assert.Equal(2, Assert.IsType<ApprovalMailRequest>(run.TakeActivities()[1].Input).Nudge);
    }

    [Fact]
    public async Task An_operator_moves_the_approval_deadline_and_the_workflow_waits_until_then()
    {
        var (run, _, waiting) = await AwaitingApprovalAsync();
        var later = waiting.Approval!.ExpiresAt.AddDays(20);

        run.Raise(ProvisioningEvents.DeadlineChangeRequested, new DeadlineChangeRequested(waiting.Step, later, "ops@example.com", Start.AddHours(1)));
        var again = await run.NextWaitAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(RecordProgress)], calls.Select(c => c.Name));
        var audit = Assert.Single(Assert.IsType<ProgressRequest>(calls[0].Input).Audit);
        Assert.Equal(("ops@example.com", "DeadlineMoved"), (audit.Actor, audit.Action));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingAdminApproval, waiting.Step + 1, later, later), (status.Stage, status.Step, status.ExpiresAt, status.Approval!.ExpiresAt));
        Assert.Equal(later.UtcDateTime, again.FireAt);
    }

    [Fact]
    public async Task An_operator_moves_the_invitation_deadline_while_the_contact_chooses()
    {
        var (run, choosing) = await ChoosingAsync();
        var sooner = Start.AddDays(3);

        run.Raise(ProvisioningEvents.DeadlineChangeRequested, new DeadlineChangeRequested(2, sooner, "ops@example.com", Start.AddHours(1)));
        var again = await run.NextWaitAsync();

        Assert.Equal([nameof(RecordProgress)], run.TakeActivities().Select(c => c.Name));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingOrganizationChoice, 3, sooner), (status.Stage, status.Step, status.ExpiresAt));
        Assert.Equal(sooner.UtcDateTime, again.FireAt);
        Assert.Contains(ProvisioningEvents.DeadlineChangeRequested, again.Events);
    }

    [Fact]
    public async Task A_rejection_ends_the_order_as_Rejected_and_tells_the_contact_why()
    {
        var (run, _, _) = await AwaitingApprovalAsync();

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: false, "Not one of ours", Deputy, Start.AddHours(2)));
        var result = await run.FinishedAsync();

        Assert.Equal(new ProvisioningResult(ProvisioningStage.Rejected, ProvisioningOutcome.Rejected, null), result);
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(CloseApprovalRequest), nameof(RecordProgress), nameof(SendOutcome), nameof(DeliverCallback), nameof(RecordProgress)], calls.Select(c => c.Name));
        var closed = Assert.IsType<ApprovalClosedMailRequest>(calls[1].Input);
        Assert.Equal((ApprovalEnd.Rejected, Deputy), (closed.End, closed.DecidedBy));
        Assert.Equal([Boss], closed.Recipients);
        var rejected = Assert.Single(Assert.IsType<ProgressRequest>(calls[2].Input).Audit);
        Assert.Equal((Deputy, "Rejected", "Not one of ours"), (rejected.Actor, rejected.Action, rejected.Detail));
        var outcome = Assert.IsType<OutcomeMailRequest>(calls[3].Input);
        Assert.Equal((ProvisioningOutcome.Rejected, "Not one of ours"), (outcome.Outcome, outcome.Reason));
        var callback = Assert.IsType<CallbackRequest>(calls[4].Input);
        Assert.Equal((ProvisioningStage.Rejected, (ProvisioningOutcome?)ProvisioningOutcome.Rejected, (string?)null, (string?)"org-acme"), (callback.Stage, callback.Outcome, callback.OrganizationId, callback.ChosenOrganizationId));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.Rejected, ProvisioningOutcome.Rejected), (status.Stage, status.Outcome));
        Assert.Equal(((ApprovalEnd?)ApprovalEnd.Rejected, Deputy, "Not one of ours"), (status.Approval!.Decision, status.Approval.DecidedBy, status.Approval.Comment));
        Assert.True(run.AllWaitsEnded);
    }

    [Fact]
    public async Task An_event_for_another_step_is_ignored_and_the_wait_goes_on()
    {
        var (run, choosing) = await ChoosingAsync();

        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(1, "org-labs", CreateNew: false, Start)); // answers step 1; the choice is step 2
        var again = await run.NextWaitAsync();

        Assert.Empty(run.TakeActivities());
        Assert.Empty(run.TakeStatuses());
        Assert.Equal(choosing.Events, again.Events);
        Assert.Equal(choosing.FireAt, again.FireAt);
        Assert.True(choosing.Ended); // the previous waits were cancelled before the new ones began

        // The stale command is only recorded with the next step's progress.
        run.Script(nameof(Inspect), _ => new OrganizationCheck(true, "Acme Labs", OrganizationType.Customer, AdminIsFullAdmin: true, [new AdminContact(Contact)]));
        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, "org-labs", CreateNew: false, Start.AddMinutes(5)));
        var result = await run.FinishedAsync();

        Assert.Equal(new ProvisioningResult(ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization, "org-labs"), result);
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(RecordProgress), nameof(Assign), nameof(SendAssignmentNotice), nameof(RecordProgress), nameof(SendOutcome), nameof(DeliverCallback), nameof(RecordProgress)], calls.Select(c => c.Name));
        Assert.Equal(["IgnoredStaleCommand", "ChoseOrganization"], Assert.IsType<ProgressRequest>(calls[1].Input).Audit.Select(a => a.Action));
        Assert.Equal([ProvisioningStage.Assigning, ProvisioningStage.Completed], run.TakeStatuses().Select(s => s.Stage));
    }

    [Fact]
    public async Task The_invitation_deadline_expires_the_order()
    {
        var (run, invited) = await InvitedAsync();

        run.FireTimer(invited);
        var result = await run.FinishedAsync();

        Assert.Equal(new ProvisioningResult(ProvisioningStage.Expired, ProvisioningOutcome.Expired, null), result);
        var calls = run.TakeActivities();
        Assert.Equal([nameof(RecordProgress), nameof(SendOutcome), nameof(DeliverCallback), nameof(RecordProgress)], calls.Select(c => c.Name));
        var expired = Assert.Single(Assert.IsType<ProgressRequest>(calls[0].Input).Audit);
        Assert.Equal(("system", "Expired", InvitationDeadline), (expired.Actor, expired.Action, expired.At));
        Assert.Null(Assert.IsType<ProgressRequest>(calls[0].Input).ExpiresAt); // a finished order leaves the deadline index
        Assert.Equal(ProvisioningOutcome.Expired, Assert.IsType<OutcomeMailRequest>(calls[1].Input).Outcome);
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.Expired, ProvisioningOutcome.Expired, 1), (status.Stage, status.Outcome, status.Step));
        Assert.True(invited.Ended); // the event waits that lost to the timer were cancelled
    }

    [Fact]
    public async Task The_code_expiry_timer_kills_the_code_but_not_the_order()
    {
        var (run, _) = await InvitedAsync();
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", OtherAdmin, Start));
        var verifying = await run.NextWaitAsync();
        run.TakeActivities();
        run.TakeStatuses();

        run.FireTimer(verifying);
        var afterExpiry = await run.NextWaitAsync();

        Assert.Equal([nameof(RecordProgress)], run.TakeActivities().Select(c => c.Name));
        var status = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingAdminEmailVerification, 3, true), (status.Stage, status.Step, status.Verification!.Expired));
        Assert.Equal(InvitationDeadline.UtcDateTime, afterExpiry.FireAt); // now only the invitation's deadline is left

        // A code for a dead code is refused without asking the checker; the step moves on.
        run.Raise(ProvisioningEvents.VerificationCodeEntered, new VerificationCodeEntered(3, "123456", Start.AddMinutes(20)));
        await run.NextWaitAsync();
        Assert.Equal([nameof(RecordProgress)], run.TakeActivities().Select(c => c.Name));
        Assert.Equal(4, Assert.Single(run.TakeStatuses()).Step);
    }

    [Fact]
    public async Task A_resubmission_with_the_proven_address_needs_no_second_code_and_clears_a_withdrawn_approval()
    {
        var (run, _) = await InvitedAsync();
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", OtherAdmin, Start));
        await run.NextWaitAsync();
        run.Script(nameof(CheckVerificationCode), _ => true);
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [AcmeCorp, AcmeLabs], null));
        run.Raise(ProvisioningEvents.VerificationCodeEntered, new VerificationCodeEntered(2, "123456", Start));
        await run.NextWaitAsync();
        run.Script(nameof(Inspect), _ => new OrganizationCheck(true, "Acme Corp", OrganizationType.Customer, AdminIsFullAdmin: false, [new AdminContact(Boss)]));
        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(3, "org-acme", CreateNew: false, Start));
        await run.NextWaitAsync();
        Assert.Equal(ProvisioningStage.AwaitingAdminApproval, run.TakeStatuses()[^1].Stage);
        run.Raise(ProvisioningEvents.ApprovalWithdrawn, new ApprovalWithdrawn(4, Start.AddHours(1)));
        await run.NextWaitAsync();
        Assert.Equal([nameof(RecordProgress), nameof(CloseApprovalRequest)], run.TakeActivities().Select(c => c.Name).TakeLast(2));
        var withdrawn = Assert.Single(run.TakeStatuses());
        Assert.Equal((ProvisioningStage.AwaitingOrganizationChoice, 5, (ApprovalEnd?)ApprovalEnd.Withdrawn), (withdrawn.Stage, withdrawn.Step, withdrawn.Approval?.Decision));

        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(5, "Acme Corporation", OtherAdmin, Start.AddHours(2)));
        await run.NextWaitAsync();

        Assert.Equal([nameof(Match), nameof(RecordProgress)], run.TakeActivities().Select(c => c.Name)); // no second code
        var statuses = run.TakeStatuses();
        Assert.Equal([ProvisioningStage.Matching, ProvisioningStage.AwaitingOrganizationChoice], statuses.Select(s => s.Stage));
        Assert.All(statuses, s => Assert.Null(s.Approval));
        Assert.All(statuses, s => Assert.Null(s.Verification));
        Assert.Equal((6, new SubmissionView("Acme Corporation", OtherAdmin)), (statuses[1].Step, statuses[1].Submission));
    }
}


/// <summary>Failures the workflow must still report.</summary>
public class ProvisioningWorkflowFailureUnitTests
{
    [Fact]
    public async Task When_the_order_table_fails_for_good_the_order_system_still_hears_the_order_failed()
    {
        var run = new ScriptedOrchestration();
        await run.StartAsync(ProvisioningWorkflowUnitTests.Input(ProvisioningScenario.CustomerSelf));
        run.TakeActivities();
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [], null));
        run.Script(nameof(RecordProgress), _ => throw new TaskFailedException(nameof(RecordProgress), 7, new TaskFailureDetails("Azure.RequestFailedException", "The table service is unavailable.", null, null, null)));

        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", ProvisioningWorkflowUnitTests.Contact, ScriptedOrchestration.Start));

        // Before ending Failed, the workflow looks (without waiting) for an operator's cancel: there is none.
        var pending = await run.NextWaitAsync();
        Assert.Equal([ProvisioningEvents.CancelRequested], pending.Events);
        Assert.Equal(ScriptedOrchestration.Start.UtcDateTime, pending.FireAt);
        run.FireTimer(pending);
        await Assert.ThrowsAsync<TaskFailedException>(run.FinishedAsync);

        var calls = run.TakeActivities();
        var callback = Assert.IsType<CallbackRequest>(Assert.Single(calls, c => c.Name == nameof(DeliverCallback)).Input);
        Assert.Equal((ProvisioningStage.Failed, (ProvisioningOutcome?)null), (callback.Stage, callback.Outcome));
        var outcome = Assert.IsType<OutcomeMailRequest>(Assert.Single(calls, c => c.Name == nameof(SendOutcome)).Input);
        Assert.Equal((ProvisioningWorkflowUnitTests.Contact, (ProvisioningOutcome?)null), (outcome.ContactEmail, outcome.Outcome));
        Assert.Equal(ProvisioningStage.Failed, run.TakeStatuses()[^1].Stage);
    }

    [Fact]
    public async Task An_operator_cancel_that_arrived_while_a_step_kept_failing_ends_the_order_cancelled()
    {
        var run = new ScriptedOrchestration();
        await run.StartAsync(ProvisioningWorkflowUnitTests.Input(ProvisioningScenario.CustomerSelf));
        run.TakeActivities();
        run.Script(nameof(Match), _ => throw new TaskFailedException(nameof(Match), 5, new TaskFailureDetails("Azure.RequestFailedException", "The directory is unavailable.", null, null, null)));
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", ProvisioningWorkflowUnitTests.Contact, ScriptedOrchestration.Start));

        var pending = await run.NextWaitAsync();
        run.Raise(ProvisioningEvents.CancelRequested, new CancelRequested(1, "Duplicate order", "operator:key-0000", ScriptedOrchestration.Start));
        var result = await run.FinishedAsync();

        Assert.Equal((ProvisioningStage.Cancelled, ProvisioningOutcome.Cancelled), (result.Stage, result.Outcome));
        var calls = run.TakeActivities();
        var outcome = Assert.IsType<OutcomeMailRequest>(Assert.Single(calls, c => c.Name == nameof(SendOutcome)).Input);
        Assert.Equal((ProvisioningOutcome?)ProvisioningOutcome.Cancelled, outcome.Outcome);
        var audit = calls.Where(c => c.Name == nameof(RecordProgress)).SelectMany(c => ((ProgressRequest)c.Input!).Audit).Select(a => a.Action).ToList();
        Assert.Contains("Failed", audit);
        Assert.Contains("Cancelled", audit);
        Assert.True(pending.Ended);
    }
}

/// <summary>One wait of the workflow: the timer it armed and the events it waited for alongside (empty for a throttling pause).</summary>
internal sealed class WaitPoint(DateTime fireAt, IReadOnlyList<ScriptedOrchestration.EventWait> waits, TaskCompletionSource timer)
{
    /// <summary>When the timer fires.</summary>
    public DateTime FireAt { get; } = fireAt;

    /// <summary>The event names waited for, in the order the workflow asked for them.</summary>
    public IReadOnlyList<string> Events { get; } = waits.Select(w => w.Name).ToList();

    /// <summary>The event waits.</summary>
    public IReadOnlyList<ScriptedOrchestration.EventWait> Waits { get; } = waits;

    /// <summary>The timer, which only <see cref="ScriptedOrchestration.FireTimer"/> completes.</summary>
    public TaskCompletionSource Timer { get; } = timer;

    /// <summary>Whether the timer and every event wait have completed or been cancelled.</summary>
    public bool Ended => Timer.Task.IsCompleted && Waits.All(w => w.Task.IsCompleted);
}

/// <summary>An activity call as the workflow made it.</summary>
internal sealed record ActivityCall(string Name, object? Input, TaskOptions? Options);

/// <summary>
/// Runs <see cref="ProvisioningWorkflow"/> on a <see cref="MockBehavior.Strict"/> <see cref="TaskOrchestrationContext"/>
/// set up with exactly the members the workflow uses. Activities answer from a script by name (mail and bookkeeping
/// activities answer by default, the deciding ones only when a test scripts them); an unscripted activity or any
/// other member fails the run. Event waits and timers are TaskCompletionSources the test completes; the workflow's
/// next observable point is the timer it arms each time it starts waiting (<see cref="NextWaitAsync"/>).
/// </summary>
internal sealed class ScriptedOrchestration
{
    /// <summary>The orchestration's instance id.</summary>
    public const string InstanceId = "order-ord-u1";

    /// <summary>The replay clock when the workflow starts.</summary>
    public static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    readonly Mock<TaskOrchestrationContext> context = new(MockBehavior.Strict);
    readonly Lock gate = new();
    readonly Dictionary<string, Func<object?, object?>> activities = new()
    {
        [nameof(RecordProgress)] = _ => null,
        [nameof(Assign)] = _ => null,
        [nameof(AddAdministrator)] = _ => null,
        [nameof(DeliverCallback)] = _ => true,
        [nameof(SendInvitation)] = _ => MailDelivery.Done,
        [nameof(SendVerificationCode)] = _ => MailDelivery.Done,
        [nameof(SendApprovalRequests)] = _ => MailDelivery.Done,
        [nameof(SendAssignmentNotice)] = _ => MailDelivery.Done,
        [nameof(SendAddAdminRequest)] = _ => MailDelivery.Done,
        [nameof(CloseApprovalRequest)] = _ => MailDelivery.Done,
        [nameof(SendOutcome)] = _ => MailDelivery.Done,
        [nameof(Conclude)] = _ => new Conclusion(MailDelivery.Done, Callback: true),
    };

    readonly List<ActivityCall> calls = [];
    readonly List<ProvisioningStatus> statuses = [];
    readonly List<EventWait> pendingWaits = [];
    readonly List<WaitPoint> waitPoints = [];
    readonly Channel<WaitPoint> armed = Channel.CreateUnbounded<WaitPoint>();
    Task<ProvisioningResult>? run;

    /// <summary>
    /// The version the scripted tests describe step by step: 1.2, whose orders still run (each of its progress records
    /// an activity of its own). What 1.3 changes, records riding on the step's own activity, has tests of its own
    /// (<c>ProvisioningWorkflowFoldedUnitTests</c>, on 1.3), and so has 1.4's ending in one activity
    /// (<c>ProvisioningWorkflowConcludedUnitTests</c>, on <see cref="ProvisioningWorkflow.Version"/>).
    /// </summary>
    public const string ScriptedVersion = "1.2";

    /// <summary>Sets up the strict mock for an order started on <paramref name="version"/>.</summary>
    public ScriptedOrchestration(string version = ScriptedVersion)
    {
        context.SetupGet(c => c.InstanceId).Returns(InstanceId);
        context.Setup(c => c.CompareVersionTo(It.IsAny<string>())).Returns((string other) => Version.Parse(version).CompareTo(Version.Parse(other)));
        context.SetupGet(c => c.CurrentUtcDateTime).Returns(() => Now.UtcDateTime);

        // The workflow asks for its logger through this virtual member; the mock answers it, so the base class's
        // replay-safe wrapper (and with it IsReplaying and the protected LoggerFactory) is never reached.
        context.Setup(c => c.CreateReplaySafeLogger<ProvisioningWorkflow>()).Returns(NullLogger.Instance);
        context.Setup(c => c.NewGuid()).Returns(new Guid("6f1c1f0e-0000-4000-8000-000000000001"));
        context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback((object? s) =>
        {
            lock (gate)
            {
                statuses.Add(Assert.IsType<ProvisioningStatus>(s));
            }
        });

        // CallAsync(name, request) uses the non-generic overload, which is virtual: set up as such, not via CallActivityAsync<object>.
        context.Setup(c => c.CallActivityAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName name, object? input, TaskOptions? options) =>
            {
                Call(name, input, options, resultType: null);
                return Task.CompletedTask;
            });
        SetupActivity<MailDelivery>();
        SetupActivity<bool>();
        SetupActivity<MatchResult>();
        SetupActivity<OrganizationCheck>();
        SetupActivity<Conclusion>();

        SetupEvent<WizardSubmitted>();
        SetupEvent<VerificationCodeEntered>();
        SetupEvent<OrganizationChosen>();
        SetupEvent<ApprovalDecided>();
        SetupEvent<ApprovalWithdrawn>();
        SetupEvent<CancelRequested>();
        SetupEvent<InvitationResendRequested>();
        SetupEvent<OrganizationChanged>();
        SetupEvent<ApprovalReminderRequested>();
        SetupEvent<DeadlineChangeRequested>();

        context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>())).Returns((DateTime fireAt, CancellationToken token) =>
        {
            var timer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            token.Register(() => timer.TrySetCanceled(token));
            WaitPoint point;
            lock (gate)
            {
                point = new WaitPoint(fireAt, pendingWaits.ToList(), timer);
                pendingWaits.Clear();
                waitPoints.Add(point);
            }

            armed.Writer.TryWrite(point);
            return timer.Task;
        });
    }

    /// <summary>The replay clock; a test may move it, and firing a timer moves it to the timer's time.</summary>
    public DateTimeOffset Now { get; set; } = Start;

    /// <summary>Whether every wait the workflow ever armed has completed or been cancelled.</summary>
    public bool AllWaitsEnded
    {
        get
        {
            lock (gate)
            {
                return pendingWaits.Count == 0 && waitPoints.All(w => w.Ended);
            }
        }
    }

    /// <summary>Scripts (or re-scripts) an activity's answer to its input.</summary>
    public void Script(string activity, Func<object?, object?> answer)
    {
        lock (gate)
        {
            activities[activity] = answer;
        }
    }

    /// <summary>Starts the workflow and returns its first wait.</summary>
    public Task<WaitPoint> StartAsync(ProvisioningInput input)
    {
        Assert.Null(run);
        run = ProvisioningWorkflow.RunAsync(context.Object, input);
        return NextWaitAsync();
    }

    /// <summary>The activity calls since the last take, in order.</summary>
    public IReadOnlyList<ActivityCall> TakeActivities()
    {
        lock (gate)
        {
            var taken = calls.ToList();
            calls.Clear();
            return taken;
        }
    }

    /// <summary>
    /// The custom statuses published since the last take, in order. The run's closing status (the final one again,
    /// its carry with the sequences where the run stopped) is folded into the one it repeats; <see cref="Closing"/> keeps it.
    /// </summary>
    public IReadOnlyList<ProvisioningStatus> TakeStatuses()
    {
        lock (gate)
        {
            var taken = statuses.ToList();
            statuses.Clear();
            if (taken.Count >= 2 && taken[^1].Stage.IsFinal() && taken[^1] with { Carry = null } == taken[^2] with { Carry = null })
            {
                Closing = taken[^1];
                taken.RemoveAt(taken.Count - 1);
            }

            return taken;
        }
    }

    /// <summary>The run's closing status, once it has ended.</summary>
    public ProvisioningStatus? Closing { get; private set; }

    /// <summary>Raises an event: exactly one live wait of that name must take it.</summary>
    public void Raise<T>(string name, T payload)
    {
        EventWait wait;
        lock (gate)
        {
            var live = waitPoints.SelectMany(p => p.Waits).Where(w => w.Name == name && !w.Task.IsCompleted).ToList();
            wait = Assert.Single(live);
        }

        wait.Complete(payload);
    }

    /// <summary>Fires a wait's timer, moving the clock to it; it must be the live one.</summary>
    public void FireTimer(WaitPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        lock (gate)
        {
            Assert.Same(point, waitPoints[^1]);
            Assert.False(point.Timer.Task.IsCompleted, "The timer is no longer live.");
            Now = new DateTimeOffset(point.FireAt, TimeSpan.Zero);
        }

        Assert.True(point.Timer.TrySetResult());
    }

    /// <summary>The workflow's next wait; fails with the workflow's own error if it fails or ends instead, or after a deadline.</summary>
    public async Task<WaitPoint> NextWaitAsync()
    {
        var next = armed.Reader.ReadAsync().AsTask();
        var first = await Task.WhenAny(next, run!).WaitAsync(Deadline);
        if (first == next)
        {
            return await next;
        }

        var result = await run!;
        throw new XunitException($"The workflow finished ({result}) instead of waiting.");
    }

    /// <summary>The workflow's result; fails if it arms another wait first, or after a deadline.</summary>
    public async Task<ProvisioningResult> FinishedAsync()
    {
        var result = await run!.WaitAsync(Deadline);
        Assert.False(armed.Reader.TryRead(out var extra), $"The workflow waited again (timer at {extra?.FireAt:O}) before finishing.");
        return result;
    }

    void SetupActivity<T>() =>
        context.Setup(c => c.CallActivityAsync<T>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName name, object? input, TaskOptions? options) => Task.FromResult((T)Call(name, input, options, typeof(T))!));

    object? Call(TaskName name, object? input, TaskOptions? options, Type? resultType)
    {
        Func<object?, object?>? answer;
        lock (gate)
        {
            calls.Add(new ActivityCall(name.Name, input, options));
            answer = activities.GetValueOrDefault(name.Name);
        }

        if (answer is null)
        {
            throw new XunitException($"Unscripted activity {name.Name}.");
        }

        var result = answer(input);
        if (resultType is not null && !resultType.IsInstanceOfType(result))
        {
            throw new XunitException($"Activity {name.Name} was awaited as {resultType.Name}, the script answered {result?.GetType().Name ?? "null"}.");
        }

        return result;
    }

    void SetupEvent<T>() =>
        context.Setup(c => c.WaitForExternalEvent<T>(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns((string name, CancellationToken token) =>
        {
            var wait = new EventWait<T>(name, token);
            lock (gate)
            {
                pendingWaits.Add(wait);
            }

            return wait.Typed;
        });

    /// <summary>One WaitForExternalEvent call: completed by <see cref="Raise"/>, cancelled with its token.</summary>
    public abstract class EventWait(string name)
    {
        /// <summary>The event name.</summary>
        public string Name { get; } = name;

        /// <summary>The task the workflow awaits.</summary>
        public abstract Task Task { get; }

        /// <summary>Delivers the payload.</summary>
        public abstract void Complete(object? payload);
    }

    sealed class EventWait<T> : EventWait
    {
        readonly TaskCompletionSource<T> source = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public EventWait(string name, CancellationToken token)
            : base(name) => token.Register(() => source.TrySetCanceled(token));

        public Task<T> Typed => source.Task;

        public override Task Task => source.Task;

        public override void Complete(object? payload) => Assert.True(source.TrySetResult(Assert.IsType<T>(payload)), $"{Name} was no longer waited for.");
    }
}
