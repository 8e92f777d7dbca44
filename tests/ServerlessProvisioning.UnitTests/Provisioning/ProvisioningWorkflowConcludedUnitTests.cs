using Microsoft.DurableTask;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Activities;
using ServerlessProvisioning.Provisioning.Workflow;
using Match = ServerlessProvisioning.Provisioning.Activities.Match;

namespace ServerlessProvisioning.UnitTests.Provisioning;

/// <summary>
/// Version 1.4 on the strict mock: an order ends in one activity (<see cref="Conclude"/>: the assignment of a new
/// organization, the record of the ending, the outcome email, the callback); what it cannot finish (an email to wait
/// for, a callback that failed once) goes on in the activities of 1.3. The entries and their numbers are 1.3's.
/// </summary>
public class ProvisioningWorkflowConcludedUnitTests
{
    const string Contact = ProvisioningWorkflowUnitTests.Contact;
    const string Boss = "boss@acme.example";

    static async Task<ScriptedOrchestration> ChoosingNewAsync()
    {
        var run = new ScriptedOrchestration(ProvisioningWorkflow.Version);
        await run.StartAsync(ProvisioningWorkflowUnitTests.Input());
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [], null));
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Brand New", Contact, ScriptedOrchestration.Start));
        await run.NextWaitAsync();
        Assert.Equal([nameof(SendInvitation), nameof(Match)], run.TakeActivities().Select(c => c.Name));
        return run;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_new_organization_is_assigned_recorded_told_and_reported_in_one_activity(bool callbackConfigured)
    {
        var run = await ChoosingNewAsync();
        run.Script(nameof(Conclude), _ => new Conclusion(MailDelivery.Done, callbackConfigured));

        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, null, CreateNew: true, ScriptedOrchestration.Start));
        var result = await run.FinishedAsync();

        Assert.Equal((ProvisioningStage.Completed, ProvisioningOutcome.AssignedToNewOrganization), (result.Stage, result.Outcome));
        var conclusion = Assert.IsType<ConclusionRequest>(Assert.Single(run.TakeActivities(), c => c.Name == nameof(Conclude)).Input);
        var assign = Assert.IsType<AssignRequest>(conclusion.Assign);
        Assert.Equal((result.OrganizationId, "Brand New"), (assign.OrganizationId, assign.Create!.Name));
        Assert.Null(assign.Progress);

        // No record of the Assigning stage: the ending's record takes the choice's entry and the assignment's, numbered as 1.3 numbers them.
        Assert.Equal((3, ProvisioningStage.Completed, result.OrganizationId), (conclusion.Ending.Sequence, conclusion.Ending.Stage, conclusion.Ending.OrganizationId));
        Assert.Equal(["ChoseNewOrganization", "Assigned"], conclusion.Ending.Audit.Select(a => a.Action));
        Assert.Null(conclusion.Outcome.Progress);
        Assert.Null(conclusion.Callback.Progress);
        Assert.Equal((conclusion.Ending.Audit[^1].Sequence + 1, "OutcomeSent"), (conclusion.OutcomeSent.Sequence, conclusion.OutcomeSent.Action));
        Assert.Equal((conclusion.OutcomeSent.Sequence + 1, "CallbackDelivered", conclusion.Callback.DeliveryId), (conclusion.Delivered.Sequence, conclusion.Delivered.Action, conclusion.Delivered.Detail));

        // The pages see the Assigning stage while the activity assigns, and the ending once it returned.
        var stages = run.TakeStatuses().Select(s => s.Stage).ToList();
        Assert.Equal([ProvisioningStage.Assigning, ProvisioningStage.Completed], stages[^2..]);

        // The delivery's number is taken only when it was delivered; nothing is left to record.
        var carry = Assert.IsType<RunCarry>(run.Closing!.Carry);
        Assert.Equal(callbackConfigured ? conclusion.Delivered.Sequence : conclusion.OutcomeSent.Sequence, carry.AuditSequence);
        Assert.Equal(conclusion.Ending.Sequence, carry.ProgressSequence);
        Assert.True(run.AllWaitsEnded);
    }

    [Fact]
    public async Task A_callback_that_failed_once_is_delivered_with_its_own_retries_and_its_entry_numbered_after_the_email()
    {
        var run = await ChoosingNewAsync();
        run.Script(nameof(Conclude), _ => new Conclusion(MailDelivery.Done, null, "The order callback answered 503."));

        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, null, CreateNew: true, ScriptedOrchestration.Start));
        await run.FinishedAsync();

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Conclude), nameof(DeliverCallback)], calls.Select(c => c.Name));
        var conclusion = Assert.IsType<ConclusionRequest>(calls[0].Input);
        var retry = calls[1];
        Assert.Same(ProvisioningWorkflow.CallbackOptions, retry.Options);
        var callback = Assert.IsType<CallbackRequest>(retry.Input);
        Assert.Equal(conclusion.Callback.DeliveryId, callback.DeliveryId);
        Assert.Empty(callback.Progress!.Audit);
        Assert.Equal(conclusion.Ending.Sequence + 1, callback.Progress.Sequence);
        Assert.Equal(conclusion.OutcomeSent.Sequence + 1, callback.Delivered!.Sequence);
    }

    [Fact]
    public async Task A_throttled_outcome_email_is_waited_for_then_sent_and_reported_as_in_1_3()
    {
        var run = await ChoosingNewAsync();
        run.Script(nameof(Conclude), _ => new Conclusion(new MailDelivery(true, TimeSpan.FromMinutes(10)), null));

        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, null, CreateNew: true, ScriptedOrchestration.Start));
        var wait = await run.NextWaitAsync();
        Assert.Equal(ScriptedOrchestration.Start.AddMinutes(10).UtcDateTime, wait.FireAt);
        var before = run.TakeActivities();
        Assert.Equal([nameof(Conclude), nameof(RecordProgress)], before.Select(c => c.Name));
        var conclusion = Assert.IsType<ConclusionRequest>(before[0].Input);
        Assert.Equal(["EmailThrottled"], Assert.IsType<ProgressRequest>(before[1].Input).Audit.Select(a => a.Action));

        run.FireTimer(wait);
        await run.FinishedAsync();

        var after = run.TakeActivities();
        Assert.Equal([nameof(SendOutcome), nameof(RecordProgress), nameof(DeliverCallback)], after.Select(c => c.Name));
        Assert.Equal(conclusion.Outcome, Assert.IsType<OutcomeMailRequest>(after[0].Input));
        var callback = Assert.IsType<CallbackRequest>(after[2].Input);
        Assert.Equal(["OutcomeSent"], callback.Progress!.Audit.Select(a => a.Action));
    }

    [Fact]
    public async Task An_ending_that_fails_is_recorded_as_failed_without_the_assignment_it_may_not_have_made()
    {
        var run = await ChoosingNewAsync();
        run.Script(nameof(Conclude), _ => throw new TaskFailedException(nameof(Conclude), 7, new TaskFailureDetails("System.InvalidOperationException", "The directory is down.", null, null, null)));

        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, null, CreateNew: true, ScriptedOrchestration.Start));
        run.FireTimer(await run.NextWaitAsync());
        var result = await Assert.ThrowsAsync<TaskFailedException>(run.FinishedAsync);
        Assert.Equal(nameof(Conclude), result.TaskName);

        var calls = run.TakeActivities();
        Assert.Equal([nameof(Conclude), nameof(RecordProgress), nameof(SendOutcome), nameof(DeliverCallback)], calls.Select(c => c.Name));
        var conclusion = Assert.IsType<ConclusionRequest>(calls[0].Input);
        var failed = Assert.IsType<ProgressRequest>(calls[1].Input);
        Assert.Equal(ProvisioningStage.Failed, failed.Stage);
        Assert.Equal(["ChoseNewOrganization", "Failed"], failed.Audit.Select(a => a.Action));
        Assert.Equal(conclusion.Ending.Audit[0].Sequence, failed.Audit[0].Sequence);
        Assert.Equal(conclusion.Ending.Sequence + 1, failed.Sequence);
        Assert.Equal(conclusion.Ending.Audit[^1].Sequence + 1, failed.Audit[^1].Sequence);
    }

    [Fact]
    public async Task An_approved_addition_assigns_in_its_own_activity_and_nobody_else_to_tell_sends_nothing()
    {
        var run = new ScriptedOrchestration(ProvisioningWorkflow.Concludes);
        await run.StartAsync(ProvisioningWorkflowUnitTests.Input());
        var acme = new Candidate("org-acme", "Acme Corp", OrganizationType.Customer, ScriptedOrchestration.Start.AddYears(-2), 1, 3, [new AdminContact(Boss)], UsageAssessment.InUse, [AssessmentReason.HasActiveSubscriptions], [MatchReason.NamePrefix]);
        run.Script(nameof(Match), _ => new MatchResult(MatchKind.Candidates, [acme], null));
        run.Script(nameof(Inspect), input => new OrganizationCheck(true, "Acme Corp", OrganizationType.Customer, AdminIsFullAdmin: ((InspectRequest)input!).AdminEmail is Boss, [new AdminContact(Boss)]));
        run.Raise(ProvisioningEvents.WizardSubmitted, new WizardSubmitted(1, "Acme", Contact, ScriptedOrchestration.Start));
        await run.NextWaitAsync();
        run.Raise(ProvisioningEvents.OrganizationChosen, new OrganizationChosen(2, "org-acme", CreateNew: false, ScriptedOrchestration.Start));
        await run.NextWaitAsync();

        // The request's activity records the step it opens before it sends the links: no activity of its own.
        var asked = run.TakeActivities();
        Assert.Equal([nameof(SendInvitation), nameof(Match), nameof(Inspect), nameof(SendApprovalRequests)], asked.Select(c => c.Name));
        var request = Assert.IsType<ApprovalMailRequest>(asked[^1].Input);
        Assert.Equal((ProvisioningStage.AwaitingAdminApproval, "org-acme"), (request.Progress!.Stage, request.Progress.ChosenOrganizationId));
        Assert.Equal(["ChoseOrganization", "ApprovalRequested"], request.Progress.Audit.Select(a => a.Action));

        run.Raise(ProvisioningEvents.ApprovalDecided, new ApprovalDecided(3, Approved: true, null, Boss, ScriptedOrchestration.Start.AddHours(1)));
        var result = await run.FinishedAsync();

        Assert.Equal((ProvisioningOutcome.AssignedToExistingOrganization, "org-acme"), (result.Outcome, result.OrganizationId));
        var calls = run.TakeActivities();
        Assert.Equal([nameof(Inspect), nameof(AddAdministrator), nameof(Conclude)], calls.Select(c => c.Name));
        var addition = Assert.IsType<AddAdministratorRequest>(calls[1].Input);
        Assert.Equal(ProvisioningStage.Assigning, addition.Progress!.Stage);
        Assert.Equal(("org-acme", null), (addition.Assign!.OrganizationId, addition.Assign.Create));
        var conclusion = Assert.IsType<ConclusionRequest>(calls[2].Input);
        Assert.Null(conclusion.Assign);
        Assert.Equal(["AdministratorAdded", "Assigned"], conclusion.Ending.Audit.Select(a => a.Action));
        Assert.Equal(addition.Progress.Sequence + 1, conclusion.Ending.Sequence);
        Assert.Equal(request.Progress.Sequence + 1, addition.Progress.Sequence);
    }

    [Fact]
    public async Task An_ending_that_assigns_nothing_is_recorded_told_and_reported_in_one_activity()
    {
        var run = new ScriptedOrchestration(ProvisioningWorkflow.Version);
        var first = await run.StartAsync(ProvisioningWorkflowUnitTests.Input());
        run.TakeActivities();

        run.FireTimer(first);
        var result = await run.FinishedAsync();

        Assert.Equal(ProvisioningStage.Expired, result.Stage);
        var conclusion = Assert.IsType<ConclusionRequest>(Assert.Single(run.TakeActivities()).Input);
        Assert.Null(conclusion.Assign);
        Assert.Equal((ProvisioningStage.Expired, ProvisioningOutcome.Expired), (conclusion.Ending.Stage, conclusion.Ending.Outcome));
        Assert.Equal(ProvisioningOutcome.Expired, conclusion.Outcome.Outcome);
    }
}
