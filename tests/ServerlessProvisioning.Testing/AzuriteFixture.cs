using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Storage;
using Xunit;

namespace ServerlessProvisioning.Testing;

/// <summary>
/// One Azurite for a whole test assembly (declare it with <c>[assembly: AssemblyFixture(typeof(AzuriteFixture))]</c>).
/// Tests isolate themselves with <see cref="NewTableNames"/>, so they can run in parallel.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    AzuriteProcess? azurite;
    int counter;

    /// <summary>The emulator's connection string.</summary>
    public string ConnectionString => azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite has not started.");

    /// <summary>A table service client on the emulator.</summary>
    public TableServiceClient Tables => new(ConnectionString);

    /// <summary>A blob service client on the emulator (the archive: directory exports, purged audit).</summary>
    public BlobServiceClient Blobs => new(ConnectionString);

    /// <summary>Table names no other test uses.</summary>
    public TableNames NewTableNames() => new($"t{Environment.ProcessId % 10000}x{Interlocked.Increment(ref counter)}");

    /// <summary>Creates every table of a fresh set of names, and the local mailbox's, and returns the names.</summary>
    public async Task<TableNames> CreateTablesAsync()
    {
        var names = NewTableNames();
        var service = Tables;
        await Task.WhenAll(names.All.Append(LocalMailbox.TableName(names)).Select(n => service.CreateTableIfNotExistsAsync(n)));
        return names;
    }

    /// <inheritdoc/>
    public async ValueTask InitializeAsync() => azurite = await AzuriteProcess.StartAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (azurite is not null)
        {
            await azurite.DisposeAsync();
        }
    }
}
