using Microsoft.DurableTask;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Activities;
using ServerlessProvisioning.Provisioning.Workflow;
using Match = ServerlessProvisioning.Provisioning.Activities.Match;

namespace ServerlessProvisioning.UnitTests.Provisioning;

/// <summary>
/// Version 1.5 on the strict mock: an approver's decision ends the order in the ending's one activity
/// (<see cref="Conclude"/>), which checks the decision against the directory first (<see cref="DecisionCheck"/>) and,
/// approved, adds the administrator and assigns; a decision that does not stand changes nothing and goes where 1.4's
/// own check sent it; the other approvers hear of a decision that stood after the ending.
/// </summary>
public class ProvisioningWorkflowDecidedUnitTests
{
    const string Contact = ProvisioningWorkflowUnitTests.Contact;
    const string Boss = "boss@acme.example";
    const string Deputy = "deputy@acme.example";

    // An order waiting for Acme's approval, asked of its two full admins; the request's record is answered.
    static async Task<(ScriptedOrchestration Run, ApprovalMailRequest Request)> AwaitingApprovalAsync()
    {
        var run = new ScriptedOrchestration(ProvisioningWorkflow.DecidesInOne);
        await run.StartAsync(ProvisioningWorkflowUnitTests.Input());
        var acme = new Candidate("org-acme", "Acme Corp", OrganizationType.Customer, ScriptedOrchestration.Start.AddYears(-2), 2, 3, [new AdminContact(Boss), new AdminContact(Deputy)], UsageAssessment.InUse, [AssessmentReason.HasActiveSubscriptions], [MatchReason.NamePrefix]);
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [acme], null));
        run.Script(nameof(Inspect), input => new OrganizationCheck(true, "Acme Corp", OrganizationType.Customer, AdminIsFullAdmin: ((InspectRequest)input!).AdminEmail is Boss or Deputy, [new AdminContact(Boss), new AdminContact(Deputy)]));
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", Contact, ScriptedOrchestration.Start));
        await run.NextWaitAsync();
        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, "org-acme", CreateNew: false, ScriptedOrchestration.Start));
        await run.NextWaitAsync();
        var asked = run.TakeActivities();
        Assert.Equal([nameof(SendInvitation), nameof(Match), nameof(Inspect), nameof(SendApprovalRequests)], asked.Select(c => c.Name));
        return (run, Assert.IsType<ApprovalMailRequest>(asked[^1].Input));
    }

    [Fact]
    public async Task An_approval_checks_adds_assigns_and_ends_in_one_activity_then_tells_the_other_approver()
    {
        var (run, request) = await AwaitingApprovalAsync();

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: true, "welcome", Boss, ScriptedOrchestration.Start.AddHours(1)));
        var result = await run.FinishedAsync();

        Assert.Equal((ProvisioningOutcome.AssignedToExistingOrganization, "org-acme"), (result.Outcome, result.OrganizationId));
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Conclude), nameof(CloseApprovalRequest)], calls.Select(c => c.Name));
        var conclusion = Assert.IsType<ConclusionRequest>(calls[0].Input);
        Assert.Equal(new DecisionCheck("org-acme", Boss, OrganizationType.Customer), conclusion.Check);
        Assert.Equal(new AddAdministratorRequest("org-acme", Contact), conclusion.AddAdministrator);
        Assert.Equal(("org-acme", null), (conclusion.Assign!.OrganizationId, conclusion.Assign.Create));
        Assert.Equal((ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization), (conclusion.Ending.Stage, conclusion.Ending.Outcome));
        Assert.Equal(["Approved", "AdministratorAdded", "Assigned"], conclusion.Ending.Audit.Select(a => a.Action));

        // No record of the Assigning stage between the request and the ending.
        Assert.Equal(request.Progress!.Sequence + 1, conclusion.Ending.Sequence);
        var closing = Assert.IsType<ApprovalClosedMailRequest>(calls[1].Input);
        Assert.Equal([Deputy], closing.Recipients);
        Assert.Equal(ApprovalEnd.Approved, closing.End);
    }

    [Fact]
    public async Task Telling_the_other_approvers_failing_after_the_ending_leaves_the_order_completed()
    {
        var (run, _) = await AwaitingApprovalAsync();
        run.Script(nameof(CloseApprovalRequest), _ => throw new TaskFailedException(nameof(CloseApprovalRequest), 9, new TaskFailureDetails("EmailRejectedException", "Refused.", null, null, null)));

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: true, null, Boss, ScriptedOrchestration.Start.AddHours(1)));
        var result = await run.FinishedAsync();

        Assert.Equal((ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization), (result.Stage, result.Outcome));
        Assert.Equal([nameof(Conclude), nameof(CloseApprovalRequest)], run.TakeActivities().Select(c => c.Name));
    }

    [Fact]
    public async Task A_rejection_is_checked_and_ends_in_one_activity()
    {
        var (run, _) = await AwaitingApprovalAsync();

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: false, "not ours", Deputy, ScriptedOrchestration.Start.AddHours(1)));
        var result = await run.FinishedAsync();

        Assert.Equal(ProvisioningStage.Rejected, result.Stage);
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Conclude), nameof(CloseApprovalRequest)], calls.Select(c => c.Name));
        var conclusion = Assert.IsType<ConclusionRequest>(calls[0].Input);
        Assert.Equal(new DecisionCheck("org-acme", Deputy, OrganizationType.Customer), conclusion.Check);
        Assert.Null(conclusion.AddAdministrator);
        Assert.Null(conclusion.Assign);
        Assert.Equal(["Rejected"], conclusion.Ending.Audit.Select(a => a.Action));
        Assert.Equal([Boss], Assert.IsType<ApprovalClosedMailRequest>(calls[1].Input).Recipients);
    }

    [Fact]
    public async Task A_decision_from_someone_no_longer_an_administrator_changes_nothing_and_the_order_keeps_waiting()
    {
        var (run, request) = await AwaitingApprovalAsync();
        run.Script(nameof(Conclude), input => ((ConclusionRequest)input!).Check!.DecidedBy == Boss
            ? new Conclusion(MailDelivery.Done, null, Refused: new OrganizationCheck(true, "Acme Corp", OrganizationType.Customer, AdminIsFullAdmin: false, [new AdminContact(Deputy)]))
            : new Conclusion(MailDelivery.Done, Callback: true));

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: true, null, Boss, ScriptedOrchestration.Start.AddHours(1)));
        await run.NextWaitAsync();

        // Refused: the status is the request's again (a new step), and the audit says why, numbered after the entries dropped.
        var refused = run.TakeActivities();
        Assert.Equal([nameof(Conclude), nameof(RecordProgress)], refused.Select(c => c.Name));
        var dropped = Assert.IsType<ConclusionRequest>(refused[0].Input).Ending;
        var record = Assert.IsType<ProgressRequest>(refused[1].Input);
        Assert.Equal(ProvisioningStage.AwaitingAdminApproval, record.Stage);
        Assert.Equal(["DecisionRefused"], record.Audit.Select(a => a.Action));
        Assert.Equal(dropped.Audit[^1].Sequence + 1, record.Audit[0].Sequence);
        Assert.Equal(dropped.Sequence + 1, record.Sequence);
        var status = run.TakeStatuses()[^1];
        Assert.Equal((ProvisioningStage.AwaitingAdminApproval, null, null), (status.Stage, status.Outcome, status.Approval!.Decision));

        // The other administrator's approval then ends it.
        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(status.Step, Approved: true, null, Deputy, ScriptedOrchestration.Start.AddHours(2)));
        var result = await run.FinishedAsync();
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, result.Outcome);
        var ended = run.TakeActivities();
        Assert.Equal([nameof(Conclude), nameof(CloseApprovalRequest)], ended.Select(c => c.Name));
        Assert.Equal(["Approved", "AdministratorAdded", "Assigned"], Assert.IsType<ConclusionRequest>(ended[0].Input).Ending.Audit.Select(a => a.Action));
        Assert.Equal(request.Progress!.Sequence + 3, Assert.IsType<ConclusionRequest>(ended[0].Input).Ending.Sequence);
    }

    [Fact]
    public async Task A_decision_on_an_organization_deleted_meanwhile_closes_the_request_and_the_contact_chooses_again()
    {
        var (run, _) = await AwaitingApprovalAsync();
        run.Script(nameof(Conclude), _ => new Conclusion(MailDelivery.Done, null, Refused: new OrganizationCheck(false, string.Empty, OrganizationType.Customer, false, [])));

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: true, null, Boss, ScriptedOrchestration.Start.AddHours(1)));
        await run.NextWaitAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Conclude), nameof(RecordProgress), nameof(CloseApprovalRequest)], calls.Select(c => c.Name));
        Assert.Equal(["ApprovalClosed"], Assert.IsType<ProgressRequest>(calls[1].Input).Audit.Select(a => a.Action));
        var closing = Assert.IsType<ApprovalClosedMailRequest>(calls[2].Input);
        Assert.Equal(ApprovalEnd.Closed, closing.End);
        Assert.Equal([Boss, Deputy], closing.Recipients);
        var status = run.TakeStatuses()[^1];
        Assert.Equal(ProvisioningStage.AwaitingOrganizationChoice, status.Stage);
        Assert.Null(status.Organization);
        Assert.DoesNotContain("org-acme", status.CandidateIds ?? []);
    }
}
