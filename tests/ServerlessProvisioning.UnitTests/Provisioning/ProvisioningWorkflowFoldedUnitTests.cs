using Microsoft.DurableTask;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Activities;
using ServerlessProvisioning.Provisioning.Workflow;
using Match = ServerlessProvisioning.Provisioning.Activities.Match;

namespace ServerlessProvisioning.UnitTests.Provisioning;

/// <summary>
/// Version 1.3 on the strict mock: a progress record rides on the activity that follows it (the invitation, the
/// assignment, the outcome email, the callback) instead of an activity of its own. The records are the ones 1.2 wrote,
/// numbered the same, in the same order; only the activities that carry them differ.
/// </summary>
public class ProvisioningWorkflowFoldedUnitTests
{
    const string Contact = ProvisioningWorkflowUnitTests.Contact;

    static async Task<ScriptedOrchestration> InvitedAsync()
    {
        var run = new ScriptedOrchestration(ProvisioningWorkflow.FoldsRecords);
        await run.StartAsync(ProvisioningWorkflowUnitTests.Input());
        return run;
    }

    [Fact]
    public async Task The_invitation_records_its_step_in_the_same_activity_that_sends_it()
    {
        var run = await InvitedAsync();

        var call = Assert.Single(run.TakeActivities());
        Assert.Equal(nameof(SendInvitation), call.Name);
        var invitation = Assert.IsType<InvitationRequest>(call.Input);
        var progress = Assert.IsType<ProgressRequest>(invitation.Progress);
        Assert.Equal((1, ProvisioningStage.InvitationSent), (progress.Sequence, progress.Stage));
        Assert.Equal(["OrderReceived", "InvitationSent"], progress.Audit.Select(a => a.Action));
        Assert.Equal((1, 1), (Assert.Single(run.TakeStatuses()).Step, invitation.Generation));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_new_organization_is_assigned_told_and_reported_in_three_activities_each_carrying_its_record(bool callbackConfigured)
    {
        var run = await InvitedAsync();
        run.TakeActivities();
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [], null));
        run.Script(nameof(DeliverCallback), _ => callbackConfigured);
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Brand New", Contact, ScriptedOrchestration.Start));
        await run.NextWaitAsync();

        // The match's activity records the choice it offers, with its own entry numbered next.
        var match = Assert.IsType<MatchRequest>(Assert.Single(run.TakeActivities()).Input);
        Assert.Equal((2, ProvisioningStage.AwaitingOrganizationChoice, "Brand New"), (match.Offered!.Sequence, match.Offered.Stage, match.Offered.CompanyName));
        Assert.Equal(match.Offered.Audit[^1].Sequence + 1, match.OfferedEntry!.Sequence);

        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, null, CreateNew: true, ScriptedOrchestration.Start));
        var result = await run.FinishedAsync();

        Assert.Equal((ProvisioningStage.Completed, ProvisioningOutcome.AssignedToNewOrganization), (result.Stage, result.Outcome));
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Assign), nameof(SendOutcome), nameof(DeliverCallback)], calls.Select(c => c.Name));

        var assigning = Assert.IsType<AssignRequest>(calls[0].Input).Progress!;
        Assert.Equal((3, ProvisioningStage.Assigning), (assigning.Sequence, assigning.Stage));
        Assert.Equal(["ChoseNewOrganization"], assigning.Audit.Select(a => a.Action));

        var completed = Assert.IsType<OutcomeMailRequest>(calls[1].Input).Progress!;
        Assert.Equal((4, ProvisioningStage.Completed, ProvisioningOutcome.AssignedToNewOrganization), (completed.Sequence, completed.Stage, completed.Outcome));
        Assert.Equal(["Assigned"], completed.Audit.Select(a => a.Action));
        Assert.NotNull(completed.OrganizationId);

        // The callback's activity writes the rest, and the delivery only when it delivered; the next entry is numbered after it only then.
        var callback = Assert.IsType<CallbackRequest>(calls[2].Input);
        Assert.Equal((5, ProvisioningStage.Completed), (callback.Progress!.Sequence, callback.Progress.Stage));
        Assert.Equal(["OutcomeSent"], callback.Progress.Audit.Select(a => a.Action));
        var delivered = Assert.IsType<AuditEntry>(callback.Delivered);
        Assert.Equal((callback.Progress.Audit[^1].Sequence + 1, "CallbackDelivered", callback.DeliveryId), (delivered.Sequence, delivered.Action, delivered.Detail));
        run.TakeStatuses();
        Assert.Equal(callback.Progress.Audit[^1].Sequence + (callbackConfigured ? 1 : 0), Assert.IsType<RunCarry>(run.Closing!.Carry).AuditSequence);
        Assert.True(run.AllWaitsEnded);
    }

    [Fact]
    public async Task A_rule_A_match_records_nothing_and_its_entries_go_with_the_assignment()
    {
        var run = await InvitedAsync();
        run.TakeActivities();
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.AdminOfOne, [new Candidate("org-acme", "Acme Corp", OrganizationType.Customer, ScriptedOrchestration.Start.AddYears(-2), 1, 3, [new AdminContact(Contact)], UsageAssessment.InUse, [AssessmentReason.HasActiveSubscriptions], [MatchReason.AdminIsMember])], null));

        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", Contact, ScriptedOrchestration.Start));
        await run.FinishedAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Match), nameof(Assign), nameof(SendAssignmentNotice), nameof(SendOutcome), nameof(DeliverCallback)], calls.Select(c => c.Name));
        var offered = Assert.IsType<MatchRequest>(calls[0].Input).Offered!;
        var assigning = Assert.IsType<AssignRequest>(calls[1].Input).Progress!;

        // The record the match did not write gives its entries to the assignment's; its number stays used (an earlier
        // run of the activity may have written it), so the assignment's record still moves the order row.
        Assert.Equal(offered.Sequence + 1, assigning.Sequence);
        Assert.Equal([.. offered.Audit.Select(a => a.Action), "MatchedByRuleA"], assigning.Audit.Select(a => a.Action));
        Assert.Equal(ProvisioningStage.Assigning, assigning.Stage);
    }

    [Fact]
    public async Task An_approved_request_records_the_assignment_with_the_administrators_addition()
    {
        const string Boss = "boss@acme.example";
        var run = await InvitedAsync();
        run.TakeActivities();
        var acme = new Candidate("org-acme", "Acme Corp", OrganizationType.Customer, ScriptedOrchestration.Start.AddYears(-2), 1, 3, [new AdminContact(Boss)], UsageAssessment.InUse, [AssessmentReason.HasActiveSubscriptions], [MatchReason.NamePrefix]);
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [acme], null));
        run.Script(nameof(Inspect), input => new OrganizationCheck(true, "Acme Corp", OrganizationType.Customer, AdminIsFullAdmin: ((InspectRequest)input!).AdminEmail is Boss, [new AdminContact(Boss)]));
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", Contact, ScriptedOrchestration.Start));
        await run.NextWaitAsync();
        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, "org-acme", CreateNew: false, ScriptedOrchestration.Start));
        await run.NextWaitAsync();
        Assert.Equal([nameof(Match), nameof(Inspect), nameof(RecordProgress), nameof(SendApprovalRequests)], run.TakeActivities().Select(c => c.Name));

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: true, null, Boss, ScriptedOrchestration.Start.AddHours(1)));
        await run.FinishedAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(AddAdministrator), nameof(Assign), nameof(CloseApprovalRequest), nameof(SendOutcome), nameof(DeliverCallback)], calls.Select(c => c.Name));
        var assigning = Assert.IsType<AddAdministratorRequest>(calls[1].Input).Progress!;
        Assert.Equal(ProvisioningStage.Assigning, assigning.Stage);
        Assert.Equal(["Approved"], assigning.Audit.Select(a => a.Action));
        Assert.Null(Assert.IsType<AssignRequest>(calls[2].Input).Progress);
        Assert.Equal(assigning.Sequence + 1, Assert.IsType<OutcomeMailRequest>(calls[4].Input).Progress!.Sequence);
    }

    [Fact]
    public async Task A_callback_that_fails_beyond_its_retries_is_recorded_with_what_the_ending_left()
    {
        var run = await InvitedAsync();
        run.TakeActivities();
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [], null));
        run.Script(nameof(DeliverCallback), _ => throw new TaskFailedException(nameof(DeliverCallback), 9, new TaskFailureDetails("System.Net.Http.HttpRequestException", "The order system answered 503.", null, null, null)));
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Brand New", Contact, ScriptedOrchestration.Start));
        await run.NextWaitAsync();
        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, null, CreateNew: true, ScriptedOrchestration.Start));

        var result = await run.FinishedAsync();

        Assert.Equal(ProvisioningStage.Completed, result.Stage);
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Match), nameof(Assign), nameof(SendOutcome), nameof(DeliverCallback), nameof(RecordProgress)], calls.Select(c => c.Name));
        var last = Assert.IsType<ProgressRequest>(calls[^1].Input);
        Assert.Equal(["OutcomeSent", "CallbackFailed"], last.Audit.Select(a => a.Action));
        Assert.Equal(6, last.Sequence);
    }
}
