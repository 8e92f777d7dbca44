using Microsoft.Extensions.Logging;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// An order's ending in one activity (workflow 1.4): the assignment when the ending makes one
/// (<see cref="Assign"/>), the record of the ending (<see cref="Ending"/>), the outcome email (<see cref="Outcome"/>)
/// and the order system's callback (<see cref="Callback"/>). <see cref="OutcomeSent"/> and <see cref="Delivered"/> are
/// the audit entries written once the email went out and the report was delivered, numbered by the workflow.
/// </summary>
public sealed record ConclusionRequest(
    ProgressRequest Ending,
    OutcomeMailRequest Outcome,
    AuditEntry OutcomeSent,
    CallbackRequest Callback,
    AuditEntry Delivered,
    AssignRequest? Assign = null,
    DecisionCheck? Check = null,
    AddAdministratorRequest? AddAdministrator = null);

/// <summary>
/// 1.5: an approver's decision, checked against the directory as it is when the ending's activity starts, before it
/// does anything: it stands only if the organization can still take the order (<see cref="OrganizationCheck.Unfit"/>
/// for <paramref name="Type"/>) and <paramref name="DecidedBy"/> is one of its full administrators (the checks the
/// workflow made with an <see cref="Inspect"/> of its own before).
/// </summary>
public sealed record DecisionCheck(string OrganizationId, string DecidedBy, Matching.OrganizationType Type)
{
    /// <summary>Whether the decision stands on what the directory says now.</summary>
    public bool StandsOn(OrganizationCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        return check.Unfit(Type) is null && check.AdminIsFullAdmin;
    }
}

/// <summary>What <see cref="Conclude"/> did.</summary>
/// <param name="Mail">The outcome email: handed over, or throttled (then the ending is recorded and nothing after the email was done).</param>
/// <param name="Callback">
/// The callback: true when delivered, false when none is configured, null when it was not done (the email was
/// throttled) or failed once (<paramref name="CallbackError"/>); the workflow then delivers it with its own retries.
/// </param>
/// <param name="CallbackError">Why the one try failed.</param>
/// <param name="Refused">1.5: the directory as it is, when the decision to check did not stand on it (nothing else was done).</param>
public sealed record Conclusion(MailDelivery Mail, bool? Callback, string? CallbackError = null, OrganizationCheck? Refused = null);

/// <summary>
/// Ends an order in one activity instead of three (the assignment, the outcome email and the callback each ran in their
/// own before 1.4: two queue messages and an orchestration episode each). The steps run in the order the workflow ran
/// them, each idempotent, so a run cut short is simply run again: the assignment; the record of the ending; the email
/// (throttled: the activity answers so, and the workflow waits with a durable timer as it does for any email); one try
/// of the callback (a failure is answered, and the workflow retries it with the callback's patience); then the audit
/// entries of what went out. A refused email fails the activity, as it failed the outcome's own activity.
/// </summary>
/// <remarks>
/// From 1.5 an approver's decision ends the order here too: the decision is checked against the directory first
/// (<see cref="ConclusionRequest.Check"/>; one that does not stand is answered and nothing is done), then the approved
/// administrator is added (<see cref="ConclusionRequest.AddAdministrator"/>), then the rest as above: one activity
/// where 1.4 ran three (a check, the addition, the ending).
/// </remarks>
public sealed class Conclude(Inspect inspect, AddAdministrator addAdministrator, Assign assign, SendOutcome outcome, DeliverCallback callback, OrderStore orders, ILogger<Conclude> logger) : WorkflowActivity<ConclusionRequest, Conclusion>
{
    /// <inheritdoc/>
    public override async Task<Conclusion> RunAsync(ConclusionRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Check is { } decision)
        {
            var check = await inspect.RunAsync(new InspectRequest(decision.OrganizationId, decision.DecidedBy), cancellationToken);
            if (!decision.StandsOn(check))
            {
                return new(MailDelivery.Done, null, Refused: check);
            }
        }

        if (input.AddAdministrator is { } addition)
        {
            await addAdministrator.RunAsync(addition with { Progress = null, Assign = null }, cancellationToken);
        }

        if (input.Assign is { } assignment)
        {
            await assign.RunAsync(assignment with { Progress = null }, cancellationToken);
        }

        // The ending's record lists the outcome's emails and link in its batch; its last step rides with the entries of
        // what went out (one batch), or is done alone when the email has to wait.
        var settle = await orders.RecordProgressAsync(input.Ending, cancellationToken, outcome.Listings(input.Outcome), deferSettle: true);
        var mail = await outcome.RunAsync(input.Outcome with { Progress = null, Listed = true }, cancellationToken);
        if (mail.Throttled)
        {
            await orders.SettleAsync(input.Ending.OrderId, settle, [], cancellationToken);
            return new(mail, null);
        }

        bool? delivered;
        string? error = null;
        try
        {
            delivered = await callback.RunAsync(input.Callback with { Progress = null, Delivered = null }, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            delivered = null;
            error = e.Message;
            logger.LogWarning("Order {OrderId}: the outcome callback failed on its first try; the workflow retries it", input.Ending.OrderId);
        }

        await orders.SettleAsync(input.Ending.OrderId, settle, delivered == true ? [input.OutcomeSent, input.Delivered] : [input.OutcomeSent], cancellationToken);
        return new(mail, delivered, error);
    }
}
