using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;

namespace ServerlessProvisioning.Functions;

/// <summary>Housekeeping on a schedule.</summary>
public sealed class MaintenanceFunctions(RetentionPurger purger, DirectoryBackup backup)
{
    /// <summary>Hourly: purge finished orders older than Provisioning:CompletedRetention (their audit archived first).</summary>
    [Function("PurgeFinishedOrders")]
    public Task PurgeFinishedOrders([TimerTrigger("0 17 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        purger.PurgeAsync(client, cancellationToken);

    /// <summary>Nightly at 02:30 UTC: the directory's export to the archive container (directory/yyyy/MM/dd.ndjson); a second run that day writes nothing.</summary>
    [Function("ExportDirectory")]
    public Task ExportDirectory([TimerTrigger("0 30 2 * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        backup.RunAsync(cancellationToken);
}
