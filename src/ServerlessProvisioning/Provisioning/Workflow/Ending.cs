using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>How an order ends: assigning the subscription, telling the contact, and reporting to the order system.</summary>
sealed class Ending(OrderRun run)
{
    static readonly Guid DeliveryNamespace = new("3c2b8f0e-5a41-4d0b-9d3e-8f6a2e1b7c55");

    /// <summary>Assigns the subscription to an organization that exists, and completes.</summary>
    public async Task AssignExistingAsync(OrganizationView organization, ProvisioningOutcome outcome)
    {
        await AssignAsync(organization);
        if (run.Takes(ProvisioningWorkflow.ManagesWaits))
        {
            // Nobody was asked (the admin already administers it): the organization's other full admins are told.
            var notice = new AssignmentNoticeRequest(run.Mail, organization.OrganizationId, run.State.RequestedAdmin!, run.Contact);
            await run.Outbox.SendAsync(nameof(SendAssignmentNotice), o => run.Context.SendAssignmentNoticeAsync(notice, o));
        }

        await CompleteAsync(outcome);
    }

    /// <summary>
    /// Publishes the Assigning stage (nobody can change the order any more) and records it; from 1.3 it answers the
    /// record for the next activity to write instead (null before).
    /// </summary>
    public async Task<ProgressRequest?> EnterAssigningAsync(OrganizationView organization)
    {
        run.Publish(run.Status with { Stage = ProvisioningStage.Assigning, Organization = organization });
        return await run.Outbox.RecordOrCarryAsync();
    }

    /// <summary>
    /// Enters the Assigning stage and assigns the subscription to <paramref name="organization"/>, creating it first
    /// when <paramref name="create"/> says so. From 1.3 the assignment's activity records the stage before it assigns.
    /// </summary>
    public async Task AssignAsync(OrganizationView organization, NewOrganization? create = null)
    {
        var assigning = await EnterAssigningAsync(organization);
        await run.Context.AssignAsync(new AssignRequest(run.Order.OrderId, run.Order.SubscriptionId, organization.OrganizationId, create, assigning), run.ActivityOptions);
    }

    /// <summary>
    /// Assigns the subscription to <paramref name="organization"/> (creating it when <paramref name="create"/> says so)
    /// and completes: from 1.4 in the ending's one activity, without a record of the Assigning stage between.
    /// </summary>
    public async Task AssignAndCompleteAsync(OrganizationView organization, NewOrganization? create, ProvisioningOutcome outcome)
    {
        if (!run.Concludes)
        {
            await AssignAsync(organization, create);
            await CompleteAsync(outcome);
            return;
        }

        run.Publish(run.Status with { Stage = ProvisioningStage.Assigning, Organization = organization });
        await CompleteAsync(outcome, new AssignRequest(run.Order.OrderId, run.Order.SubscriptionId, organization.OrganizationId, create));
    }

    /// <summary>Ends the order as completed with the given outcome (from 1.4 making the assignment first, when given).</summary>
    public Task CompleteAsync(ProvisioningOutcome outcome, AssignRequest? assign = null) =>
        FinishAsync(ProvisioningStage.Completed, outcome, "system", Assigned(), action: AuditAction.Assigned, assign: assign);

    /// <summary>The audit detail of the assignment.</summary>
    public string Assigned() => $"Subscription {run.Order.SubscriptionId} assigned to {run.Status.Organization!.OrganizationId}";

    /// <summary>
    /// Ends the order: the final stage recorded, the contact (and <paramref name="alsoNotify"/>) told, the order system
    /// told. The audit action is the stage's own unless given. From 1.4 it all runs in one activity, <paramref name="assign"/>
    /// first when given.
    /// </summary>
    public Task FinishAsync(ProvisioningStage stage, ProvisioningOutcome outcome, string actor, string? detail, AuditAction? action = null, IReadOnlyList<string>? alsoNotify = null, AssignRequest? assign = null) =>
        FinishAsync(stage, outcome, actor, detail, action, alsoNotify, assign, decision: null);

    /// <summary>
    /// 1.5: ends the order on an approver's decision, which the ending's activity checks against the directory first
    /// (<see cref="DecisionCheck"/>), adding <paramref name="addAdministrator"/> and making <paramref name="assign"/>
    /// when given. When the decision does not stand, nothing was done: the run is back where the decision found it
    /// (its status, and the audit entries pending before <paramref name="entriesBefore"/>; the later ones are dropped,
    /// their numbers kept used), and the directory as it is now is answered; null when the order ended.
    /// </summary>
    public async Task<OrganizationCheck?> FinishIfStandsAsync(
        DecisionCheck check, ProvisioningStatus before, int entriesBefore, ProvisioningStage stage, ProvisioningOutcome outcome, string actor, string? detail, AuditAction? action = null, AssignRequest? assign = null, AddAdministratorRequest? addAdministrator = null)
    {
        var refused = await FinishAsync(stage, outcome, actor, detail, action, alsoNotify: null, assign, new Decision(check, entriesBefore, addAdministrator));
        if (refused is not null)
        {
            run.Status = before;
            run.Context.SetCustomStatus(before);
        }

        return refused;
    }

    // A decision the ending's activity checks (1.5), how many audit entries were pending before it, and the administrator it adds.
    sealed record Decision(DecisionCheck Check, int EntriesBefore, AddAdministratorRequest? AddAdministrator);

    async Task<OrganizationCheck?> FinishAsync(ProvisioningStage stage, ProvisioningOutcome outcome, string actor, string? detail, AuditAction? action, IReadOnlyList<string>? alsoNotify, AssignRequest? assign, Decision? decision)
    {
        // From here the pages offer what comes after the ending (a restart, a reopening); it is taken once the run has
        // told everyone, and continues from the run's last status.
        run.Publish(run.Status with { Stage = stage, Outcome = outcome, Carry = run.Carry() });
        run.Outbox.Audit(actor, action ?? ActionOf(stage), detail);
        if (assign is not null)
        {
            // The pages see the Assigning stage until the ending's activity has assigned; the ending shows once it returns.
            run.Context.SetCustomStatus(run.Status with { Stage = ProvisioningStage.Assigning, Outcome = null, Carry = null });
        }

        if (run.Concludes)
        {
            if (await ConcludeAsync(OutcomeMail(stage, outcome, detail, alsoNotify, record: null), assign, decision) is { } refused)
            {
                return refused;
            }
        }
        else
        {
            // From 1.3 the outcome email's activity records the ending before it sends.
            var request = OutcomeMail(stage, outcome, detail, alsoNotify, await run.Outbox.RecordOrCarryAsync());
            await run.Outbox.SendAsync(nameof(SendOutcome), o => run.Context.SendOutcomeAsync(request, o));
            run.Outbox.Audit("system", AuditAction.OutcomeSent, outcome.ToString());
            await ReportAsync();
        }

        run.Logger.LogInformation(LogEvents.OrderFinished, "Order {OrderId} finished: {Stage} {Outcome}", run.Order.OrderId, stage, outcome);
        return null;
    }

    OutcomeMailRequest OutcomeMail(ProvisioningStage stage, ProvisioningOutcome outcome, string? detail, IReadOnlyList<string>? alsoNotify, ProgressRequest? record)
    {
        var status = run.Status;
        return new OutcomeMailRequest(
            run.Mail, run.Contact, status.InvitationGeneration, outcome, status.Organization?.Name, run.State.RequestedAdmin,
            stage is ProvisioningStage.Rejected or ProvisioningStage.Cancelled ? detail : null, alsoNotify ?? [], record);
    }

    // 1.4: the ending in one activity. What it could not finish (an email to wait for, a callback that failed once) goes
    // on as in 1.3; the entries of what went out are numbered here and taken only when it went out.
    async Task<OrganizationCheck?> ConcludeAsync(OutcomeMailRequest mail, AssignRequest? assign, Decision? decision)
    {
        var record = run.Outbox.TakeRecord();
        var outcomeSent = run.Outbox.Tentative("system", AuditAction.OutcomeSent, mail.Outcome.ToString());
        var callback = Callback();
        var delivered = run.Outbox.Tentative(outcomeSent, "system", AuditAction.CallbackDelivered, callback.DeliveryId);
        Conclusion done;
        try
        {
            done = await run.Context.ConcludeAsync(new ConclusionRequest(record, mail, outcomeSent, callback, delivered, assign, decision?.Check, decision?.AddAdministrator), run.MailOptions);
            if (done.Refused is { } refused)
            {
                run.Outbox.Return(record with { Audit = record.Audit.Take(decision!.EntriesBefore).ToList() });
                return refused;
            }

            if (assign is not null)
            {
                run.Publish(run.Status);
            }
        }
        catch (TaskFailedException)
        {
            // The entries before the ending's own go with the record of the failure; the ending's own (an assignment
            // that may not have happened) is dropped, its number kept used.
            run.Outbox.Return(record with { Audit = record.Audit.Take(record.Audit.Count - 1).ToList() });
            throw;
        }

        if (done.Mail.Throttled)
        {
            await run.Outbox.SendAsync(nameof(SendOutcome), o => run.Context.SendOutcomeAsync(mail, o), first: done.Mail);
            run.Outbox.Audit("system", AuditAction.OutcomeSent, mail.Outcome.ToString());
            await ReportFoldedAsync(callback);
            return null;
        }

        run.Outbox.Took(outcomeSent);
        switch (done.Callback)
        {
            case true:
                run.Outbox.Took(delivered);
                break;
            case null:
                await ReportFoldedAsync(callback);
                break;
        }

        return null;
    }

    /// <summary>
    /// A step failed beyond its retries: the order ends, and everyone still hears of it. An operator's cancel that
    /// arrived while the step kept failing wins (the order ends Cancelled, as asked); otherwise it ends Failed, the
    /// contact gets the outcome email and the order system the callback, each attempted even if the others fail.
    /// </summary>
    /// <returns>Whether the order ended Cancelled instead.</returns>
    public async Task<bool> FailAsync(TaskFailedException failure)
    {
        run.Logger.LogError("Order {OrderId}: step {Activity} failed beyond its retries", run.Order.OrderId, failure.TaskName);
        if (await PendingCancelAsync() is { } cancel)
        {
            run.Outbox.Audit("system", AuditAction.Failed, $"{failure.TaskName} failed after retries; the operator's cancel ends the order.");
            await FinishAsync(ProvisioningStage.Cancelled, ProvisioningOutcome.Cancelled, cancel.Operator, cancel.Reason);
            return true;
        }

        run.Publish(run.Status with { Stage = ProvisioningStage.Failed, Carry = run.Carry() });
        run.Outbox.Audit("system", AuditAction.Failed, $"{failure.TaskName} failed after retries.");
        await AttemptAsync(run.Outbox.RecordAsync);
        var status = run.Status;
        var request = new OutcomeMailRequest(run.Mail, run.Contact, status.InvitationGeneration, Outcome: null, status.Organization?.Name, run.State.RequestedAdmin, Reason: null, []);
        if (await AttemptAsync(() => run.Outbox.SendAsync(nameof(SendOutcome), o => run.Context.SendOutcomeAsync(request, o))))
        {
            run.Outbox.Audit("system", AuditAction.OutcomeSent, nameof(ProvisioningStage.Failed));
        }

        await AttemptAsync(ReportAsync);
        run.Logger.LogError(LogEvents.OrderFinished, "Order {OrderId} finished: {Stage} after {Activity} failed beyond its retries", run.Order.OrderId, ProvisioningStage.Failed, failure.TaskName);
        return false;
    }

    // A cancel raised while the step was failing waits in the orchestration's event buffer: take it if it is there.
    async Task<CancelRequested?> PendingCancelAsync()
    {
        using var cts = new CancellationTokenSource();
        var cancel = run.Context.WaitForExternalEvent<CancelRequested>(ProvisioningEvents.CancelRequested, cts.Token);
        var now = run.Context.CreateTimer(run.Context.CurrentUtcDateTime, cts.Token);
        var first = await Task.WhenAny(cancel, now);
        cts.Cancel();
        return first == cancel ? cancel.Result : null;
    }

    // The order's own table or the email service may be what failed: the rest of the ending still runs.
    static async Task<bool> AttemptAsync(Func<Task> step)
    {
        try
        {
            await step();
            return true;
        }
        catch (TaskFailedException)
        {
            return false;
        }
    }

    static AuditAction ActionOf(ProvisioningStage stage) => stage switch
    {
        ProvisioningStage.Expired => AuditAction.Expired,
        ProvisioningStage.Cancelled => AuditAction.Cancelled,
        ProvisioningStage.Rejected => AuditAction.Rejected,
        ProvisioningStage.Failed => AuditAction.Failed,
        _ => AuditAction.Assigned,
    };

    // Tells the order system how the order ended (when a callback is configured), then records it all.
    async Task ReportAsync()
    {
        var callback = Callback();
        if (run.Folds)
        {
            await ReportFoldedAsync(callback);
            return;
        }

        try
        {
            if (await run.Context.DeliverCallbackAsync(callback, ProvisioningWorkflow.CallbackOptions))
            {
                run.Outbox.Audit("system", AuditAction.CallbackDelivered, callback.DeliveryId);
            }
        }
        catch (TaskFailedException e)
        {
            run.Outbox.Audit("system", AuditAction.CallbackFailed, e.FailureDetails.ErrorMessage);
        }

        await run.Outbox.RecordAsync();
    }

    CallbackRequest Callback()
    {
        var status = run.Status;
        return new CallbackRequest(run.Order.OrderId, run.Order.SubscriptionId, status.Stage, status.Outcome, run.AssignedOrganizationId(), run.Now, DeliveryId(), run.ChosenOrganizationId());
    }

    // 1.3: the callback's activity records what is left, with the delivery when there was one; only a callback that
    // failed beyond its retries needs a record of its own.
    async Task ReportFoldedAsync(CallbackRequest callback)
    {
        var record = run.Outbox.TakeRecord();
        var delivered = run.Outbox.Tentative("system", AuditAction.CallbackDelivered, callback.DeliveryId);
        try
        {
            if (await run.Context.DeliverCallbackAsync(callback with { Progress = record, Delivered = delivered }, ProvisioningWorkflow.CallbackOptions))
            {
                run.Outbox.Took(delivered);
            }
        }
        catch (TaskFailedException e)
        {
            run.Outbox.Audit("system", AuditAction.CallbackFailed, e.FailureDetails.ErrorMessage);
            var failed = run.Outbox.TakeRecord();
            await run.Context.RecordProgressAsync(failed with { Audit = [.. record.Audit, .. failed.Audit] }, run.ActivityOptions);
        }
    }

    // One id per ending of the order, the same on every retry and replay, so the receiver can drop repeats; a reopened
    // order's next ending is a new report.
    string DeliveryId() => NameBasedGuid.CreateVersion5(DeliveryNamespace, run.Context.InstanceId + "/outcome" + (run.Number > 1 ? $"/{run.Number}" : string.Empty)).ToString();
}
