using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>The in-process host is the real one on the run's Azurite, and stops cleanly: what the contract tests rely on.</summary>
public class InProcessHostTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task It_keeps_its_tables_and_its_task_hub_on_the_runs_Azurite_and_starts_no_emulator_of_its_own()
    {
        await using var host = await InProcessHost.StartAsync(azurite, seed: LocalHostFixture.SamplePath);
        var orderId = "inproc-" + Guid.NewGuid().ToString("N")[..8];

        using var response = await host.PostOrderAsync(LocalHostFixture.Order(orderId));
        await host.WaitForMailAsync(orderId, m => m.Count > 0, "invitation");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        // Program starts an Azurite only when AzureWebJobsStorage is unset; its tables would then live on another port.
        Assert.Equal(azurite.Tables.Uri, host.Services.GetRequiredService<TableServiceClient>().Uri);
        var organization = await azurite.Tables.GetTableClient(host.Tables.Organizations).GetEntityIfExistsAsync<TableEntity>("org-acme", "org|org-acme", cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(organization.HasValue, "the seed lands in the host's own tables on the run's Azurite");
        var instance = await azurite.Tables.GetTableClient(host.TaskHub + "Instances").GetEntityIfExistsAsync<TableEntity>("order-" + orderId, string.Empty, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(instance.HasValue, "the workflow runs in the host's task hub on the run's Azurite");
    }

    [Fact]
    public async Task Disposing_it_stops_the_web_host_the_worker_and_the_sidecar_and_releases_the_task_hub()
    {
        var host = await InProcessHost.StartAsync(azurite);
        var orderId = "stop-" + Guid.NewGuid().ToString("N")[..8];
        using (var response = await host.PostOrderAsync(LocalHostFixture.Order(orderId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await host.WaitForMailAsync(orderId, m => m.Count > 0, "invitation from a running workflow");
        var partitions = azurite.Tables.GetTableClient(host.TaskHub + "Partitions");
        var owned = await Eventually.WaitAsync(() => OwnersAsync(partitions), o => o.Count > 0, TimeSpan.FromSeconds(30), "owned partitions");

        var stopwatch = Stopwatch.StartNew();
        await host.DisposeAsync();
        stopwatch.Stop();

        Assert.NotEmpty(owned);
        // A hung worker or sidecar would hold the host until its 30-second shutdown timeout.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"disposing took {stopwatch.Elapsed}");
        // The Azure Storage engine stops after the host, in the background, handing its partitions back as it does: within
        // a second usually, within its one-minute drain timeout when a work item was in flight at the stop.
        await Eventually.WaitAsync(() => OwnersAsync(partitions), o => o.Count == 0, TimeSpan.FromSeconds(90), "the partitions to be released");
    }

    static async Task<List<string>> OwnersAsync(TableClient partitions)
    {
        var owners = new List<string>();
        await foreach (var partition in partitions.QueryAsync<TableEntity>(cancellationToken: TestContext.Current.CancellationToken))
        {
            if (partition.GetString("CurrentOwner") is { Length: > 0 } owner)
            {
                owners.Add(owner);
            }
        }

        return owners;
    }
}
