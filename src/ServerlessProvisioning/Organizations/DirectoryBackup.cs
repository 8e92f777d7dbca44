using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>What a nightly export did: the blob it names, whether this run wrote it, and how many organizations that run wrote.</summary>
public sealed record DirectoryBackupResult(string BlobName, bool Written, int Organizations);

/// <summary>
/// The nightly export of the directory to the archive container (<see cref="TableNames.ArchiveContainer"/>), one blob
/// per UTC day, <c>directory/yyyy/MM/dd.ndjson</c>, exactly what <c>GET /api/organizations/export</c> answers. Blocks are
/// staged as the export is read (4 MiB at a time) and the blob appears only when its block list is committed, on the
/// condition that it does not exist yet: a run that dies leaves no blob (the next run writes it), and a second run the
/// same day, or two at once, leave the first complete blob as it is (the container is immutable anyway). Both hosts
/// run it on a timer.
/// </summary>
public sealed class DirectoryBackup(OrganizationExporter exporter, BlobServiceClient blobs, TableNames names, TimeProvider time, ILogger<DirectoryBackup> logger)
{
    /// <summary>How much of the export one staged block holds.</summary>
    public const int BlockBytes = 4 * 1024 * 1024;

    /// <summary>How much one staged block holds here (smaller in tests, to see several blocks without megabytes of organizations).</summary>
    internal int BlockSize { get; init; } = BlockBytes;

    /// <summary>The blob of a day's export.</summary>
    public static string BlobName(DateTimeOffset day) =>
        string.Create(CultureInfo.InvariantCulture, $"directory/{day.UtcDateTime:yyyy}/{day.UtcDateTime:MM}/{day.UtcDateTime:dd}.ndjson");

    /// <summary>Writes today's export unless it exists.</summary>
    public async Task<DirectoryBackupResult> RunAsync(CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(names.ArchiveContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var name = BlobName(time.GetUtcNow());
        var blob = container.GetBlockBlobClient(name);
        if (await blob.ExistsAsync(cancellationToken))
        {
            return new(name, false, 0);
        }

        // Block ids of one blob must all be the same length; this run's own prefix keeps two concurrent runs apart.
        var run = Guid.NewGuid().ToString("N");
        var ids = new List<string>();
        var buffer = new MemoryStream();
        var count = 0;
        async Task StageAsync()
        {
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{run}-{ids.Count:D6}")));
            buffer.Position = 0;
            await blob.StageBlockAsync(id, buffer, cancellationToken: cancellationToken);
            ids.Add(id);
            buffer.SetLength(0);
        }

        await foreach (var line in exporter.LinesAsync(cancellationToken))
        {
            if (buffer.Length + line.Length > BlockSize && buffer.Length > 0)
            {
                await StageAsync();
            }

            await buffer.WriteAsync(line, cancellationToken);
            count++;
        }

        if (buffer.Length > 0)
        {
            await StageAsync();
        }

        try
        {
            await blob.CommitBlockListAsync(ids, new CommitBlockListOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Another run committed it first (or the policy protects it): the day has its export.
            return new(name, false, 0);
        }

        logger.LogInformation("Directory exported to {Container}/{Blob}: {Count} organizations", names.ArchiveContainer, name, count);
        return new(name, true, count);
    }
}
