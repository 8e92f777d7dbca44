namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// A finished order, reported to the order system's callback. <see cref="OrganizationId"/>: the organization that
/// received the subscription, only when one did; <see cref="ChosenOrganizationId"/>: the one chosen when none did.
/// </summary>
public sealed record CallbackRequest(
    string OrderId,
    string SubscriptionId,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    DateTimeOffset FinishedAt,
    string DeliveryId,
    string? ChosenOrganizationId = null,
    ProgressRequest? Progress = null,
    AuditEntry? Delivered = null);

/// <summary>
/// The order system's side of the outcome callback (implemented in <c>OrderSystem</c>): delivers one report, or
/// answers false when no callback is configured; throws when the receiver did not take it, so the workflow retries.
/// </summary>
public interface IOrderCallback
{
    /// <summary>Delivers the report; the same <see cref="CallbackRequest.DeliveryId"/> on every try.</summary>
    Task<bool> DeliverAsync(CallbackRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Tells the order system how the order ended (when a callback is configured). From 1.3 it then records what the
/// ending left to record (<see cref="CallbackRequest.Progress"/>), with <see cref="CallbackRequest.Delivered"/> when
/// the report was delivered; the workflow numbers its next entry after it only then.
/// </summary>
public sealed class DeliverCallback(IOrderCallback callback, OrderStore orders) : WorkflowActivity<CallbackRequest, bool>
{
    /// <inheritdoc/>
    public override async Task<bool> RunAsync(CallbackRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);

        // The receiver sees no fields of the record: it is sent what it always was.
        var delivered = await callback.DeliverAsync(input with { Progress = null, Delivered = null }, cancellationToken);
        var progress = delivered && input.Delivered is { } entry && input.Progress is { } p ? p with { Audit = [.. p.Audit, entry] } : input.Progress;
        await orders.RecordCarriedAsync(progress, cancellationToken);
        return delivered;
    }
}
