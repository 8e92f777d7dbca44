using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>Keeps data about orders outside the product's tables (the local mailbox), to be forgotten with the order.</summary>
public interface IOrderDataOwner
{
    /// <summary>Deletes what is kept for the order; idempotent.</summary>
    Task DeleteOrderAsync(string orderId, CancellationToken cancellationToken);
}

/// <summary>
/// Removes finished orders older than <c>Provisioning:CompletedRetention</c>: first their audit goes to the archive
/// (<see cref="AuditArchive"/>), then their links, local emails (any IOrderDataOwner), order rows, audit and index
/// entries go, then the workflow's history. Each step is idempotent, so an interrupted purge is finished by the next
/// run. Both hosts run it on a schedule.
/// </summary>
public sealed class RetentionPurger(
    OrderStore orders,
    AuditArchive archive,
    LinkTokens tokens,
    IEnumerable<IOrderDataOwner> owners,
    IOptions<ProvisioningOptions> options,
    TimeProvider time,
    ILogger<RetentionPurger> logger)
{
    static readonly OrchestrationRuntimeStatus[] Finished = [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    /// <summary>Purges what is due; returns how many orders went.</summary>
    public async Task<int> PurgeAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var cutoff = time.GetUtcNow() - options.Value.CompletedRetention;
        var query = new OrchestrationQuery(CreatedTo: cutoff, Statuses: Finished, PageSize: 100, FetchInputsAndOutputs: true);
        var purged = 0;
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (instance.LastUpdatedAt > cutoff || instance.Name != ProvisioningWorkflow.Name)
            {
                continue;
            }

            var orderId = instance.ReadInputAs<ProvisioningInput>()?.Order.OrderId;
            if (orderId is not null)
            {
                // Before anything is deleted: a purge that fails here deletes nothing, and the next one tries again.
                if (await archive.ArchiveAsync(orderId, cancellationToken) == AuditArchiving.Busy)
                {
                    logger.LogInformation("Order {OrderId} is being archived by another purge; the next purge removes it", orderId);
                    continue;
                }

                await tokens.DeleteForOrderAsync(orderId, cancellationToken);
                foreach (var owner in owners)
                {
                    await owner.DeleteOrderAsync(orderId, cancellationToken);
                }

                await orders.DeleteAsync(orderId, cancellationToken);
            }

            await client.PurgeInstanceAsync(instance.InstanceId, cancellation: cancellationToken);
            purged++;
        }

        // Logged on every run, none purged included: the alert on a purge that stopped running looks for this line.
        logger.LogInformation(LogEvents.RetentionPurgeCompleted, "Purged {Count} finished orders older than {Retention}", purged, options.Value.CompletedRetention);

        return purged;
    }
}
