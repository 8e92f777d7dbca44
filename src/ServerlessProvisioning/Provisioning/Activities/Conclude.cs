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
    AssignRequest? Assign = null);

/// <summary>What <see cref="Conclude"/> did.</summary>
/// <param name="Mail">The outcome email: handed over, or throttled (then the ending is recorded and nothing after the email was done).</param>
/// <param name="Callback">
/// The callback: true when delivered, false when none is configured, null when it was not done (the email was
/// throttled) or failed once (<paramref name="CallbackError"/>); the workflow then delivers it with its own retries.
/// </param>
/// <param name="CallbackError">Why the one try failed.</param>
public sealed record Conclusion(MailDelivery Mail, bool? Callback, string? CallbackError = null);

/// <summary>
/// Ends an order in one activity instead of three (the assignment, the outcome email and the callback each ran in their
/// own before 1.4: two queue messages and an orchestration episode each). The steps run in the order the workflow ran
/// them, each idempotent, so a run cut short is simply run again: the assignment; the record of the ending; the email
/// (throttled: the activity answers so, and the workflow waits with a durable timer as it does for any email); one try
/// of the callback (a failure is answered, and the workflow retries it with the callback's patience); then the audit
/// entries of what went out. A refused email fails the activity, as it failed the outcome's own activity.
/// </summary>
public sealed class Conclude(Assign assign, SendOutcome outcome, DeliverCallback callback, OrderStore orders, ILogger<Conclude> logger) : WorkflowActivity<ConclusionRequest, Conclusion>
{
    /// <inheritdoc/>
    public override async Task<Conclusion> RunAsync(ConclusionRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Assign is { } assignment)
        {
            await assign.RunAsync(assignment with { Progress = null }, cancellationToken);
        }

        await orders.RecordProgressAsync(input.Ending, cancellationToken);
        var mail = await outcome.RunAsync(input.Outcome with { Progress = null }, cancellationToken);
        if (mail.Throttled)
        {
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

        await orders.RecordAuditAsync(input.Ending.OrderId, delivered == true ? [input.OutcomeSent, input.Delivered] : [input.OutcomeSent], cancellationToken);
        return new(mail, delivered, error);
    }
}
