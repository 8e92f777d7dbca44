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
    string? ChosenOrganizationId = null);

/// <summary>
/// The order system's side of the outcome callback (implemented in <c>OrderSystem</c>): delivers one report, or
/// answers false when no callback is configured; throws when the receiver did not take it, so the workflow retries.
/// </summary>
public interface IOrderCallback
{
    /// <summary>Delivers the report; the same <see cref="CallbackRequest.DeliveryId"/> on every try.</summary>
    Task<bool> DeliverAsync(CallbackRequest request, CancellationToken cancellationToken);
}

/// <summary>Tells the order system how the order ended (when a callback is configured).</summary>
public sealed class DeliverCallback(IOrderCallback callback) : WorkflowActivity<CallbackRequest, bool>
{
    /// <inheritdoc/>
    public override Task<bool> RunAsync(CallbackRequest input, CancellationToken cancellationToken) =>
        callback.DeliverAsync(input, cancellationToken);
}
