using Azure.Data.Tables;
using Microsoft.Extensions.Hosting;

namespace ServerlessProvisioning.Storage;

/// <summary>Creates the product's tables at start-up.</summary>
public sealed class TableInitializer(TableServiceClient service, TableNames names) : IHostedService
{
    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(names.All.Select(n => service.CreateTableIfNotExistsAsync(n, cancellationToken)));

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
