namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>Records a stage change and audit entries in the Orders table.</summary>
public sealed class RecordProgress(OrderStore orders) : WorkflowActivity<ProgressRequest>
{
    /// <inheritdoc/>
    protected override Task ExecuteAsync(ProgressRequest input, CancellationToken cancellationToken) =>
        orders.RecordProgressAsync(input, cancellationToken);
}
