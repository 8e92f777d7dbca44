using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;

namespace ServerlessProvisioning.DevServer.Durable;

/// <summary>The local counterpart of the Functions timer: purges finished orders as their retention runs out.</summary>
public sealed class RetentionService(RetentionPurger purger, DurableTaskClient client, IOptions<ProvisioningOptions> options, ILogger<RetentionService> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Hourly, as in Azure, or sooner when the retention itself is short (e.g. seconds, to watch it work).
        var interval = TimeSpan.FromTicks(Math.Clamp(options.Value.CompletedRetention.Ticks / 4, TimeSpan.FromSeconds(2).Ticks, TimeSpan.FromHours(1).Ticks));
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await purger.PurgeAsync(client, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Purging finished orders failed; the next run tries again");
            }
        }
    }
}
