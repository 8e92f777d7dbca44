using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;

namespace ServerlessProvisioning.Functions;

/// <summary>Housekeeping on a schedule.</summary>
public sealed class MaintenanceFunctions(RetentionPurger purger)
{
    /// <summary>Hourly: purge finished orders older than Provisioning:CompletedRetention.</summary>
    [Function("PurgeFinishedOrders")]
    public Task PurgeFinishedOrders([TimerTrigger("0 17 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        purger.PurgeAsync(client, cancellationToken);
}
