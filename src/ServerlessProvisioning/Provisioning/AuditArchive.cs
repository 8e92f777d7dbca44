using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>Where an order's audit was appended in the archive: the blob, the offset and length of its lines, and whether the append is known to have landed.</summary>
public sealed record AuditArchiveMarker(string Blob, long Offset, long Length, bool Done);

/// <summary>One line of the audit archive: the audit entry and the order it belongs to; (orderId, sequence) is its key.</summary>
public sealed record ArchivedAuditEntry(string OrderId, int Sequence, DateTimeOffset At, string Actor, string Action, string? Detail);

/// <summary>
/// Keeps a purged order's audit: before the retention purge deletes an order, its audit trail is appended as NDJSON
/// (one <see cref="ArchivedAuditEntry"/> per line, oldest first) to the month's append blob in the archive container,
/// <c>audit/yyyy-MM.ndjson</c> (then <c>audit/yyyy-MM-2.ndjson</c>, … once a blob holds the 50,000 appends a blob may).
/// Exactly once, under at-least-once purges: a marker row in the order's partition notes the blob and offset before
/// the append, which is conditional on the blob's length being that offset; a purge that finds the marker checks the
/// bytes at that offset instead of appending again. The lines of an order are always the same bytes, so two purges
/// racing for one order append it once. The marker is the last row the purge deletes.
/// </summary>
public sealed class AuditArchive(OrderStore orders, BlobServiceClient blobs, TableNames names, TimeProvider time, ILogger<AuditArchive> logger)
{
    /// <summary>How many appends (committed blocks) one append blob takes.</summary>
    public const int MaxAppendsPerBlob = 50_000;

    int containerReady;

    /// <summary>The first blob of a month's archive.</summary>
    public static string BlobName(DateTimeOffset month, int part = 1) =>
        string.Create(CultureInfo.InvariantCulture, $"audit/{month.UtcDateTime:yyyy-MM}{(part > 1 ? $"-{part}" : string.Empty)}.ndjson");

    /// <summary>Appends the order's audit to the archive unless it is there already; true when there was any to keep.</summary>
    public async Task<bool> ArchiveAsync(string orderId, CancellationToken cancellationToken)
    {
        var entries = await orders.GetAuditAsync(orderId, cancellationToken);
        if (entries.Count == 0)
        {
            return false;
        }

        var marker = await orders.GetArchiveMarkerAsync(orderId, cancellationToken);
        if (marker is { Done: true })
        {
            return true;
        }

        var container = blobs.GetBlobContainerClient(names.ArchiveContainer);
        if (Interlocked.CompareExchange(ref containerReady, 1, 0) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        var lines = Lines(orderId, entries);
        for (var attempt = 1; ; attempt++)
        {
            // An earlier purge noted this place and may have appended before it died: then it is done.
            if (marker is not null && await HoldsAsync(container.GetAppendBlobClient(marker.Blob), marker.Offset, lines, cancellationToken))
            {
                await orders.SetArchiveMarkerAsync(orderId, marker with { Done = true }, cancellationToken);
                return true;
            }

            var (blob, position) = await TailAsync(container, cancellationToken);
            marker = new AuditArchiveMarker(blob.Name, position, lines.Length, Done: false);
            await orders.SetArchiveMarkerAsync(orderId, marker, cancellationToken);
            try
            {
                using var content = new MemoryStream(lines, writable: false);
                await blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = position } }, cancellationToken);
            }
            catch (RequestFailedException e) when ((e.Status == 412 || e.ErrorCode == "BlockCountExceedsLimit") && attempt < 20)
            {
                // Someone appended first (perhaps this very order, from a concurrent purge), or the blob is full: look again.
                continue;
            }

            await orders.SetArchiveMarkerAsync(orderId, marker with { Done = true }, cancellationToken);
            logger.LogInformation("Archived the audit of order {OrderId} ({Count} entries) to {Blob}", orderId, entries.Count, blob.Name);
            return true;
        }
    }

    /// <summary>The archive lines of an order's audit: deterministic, so the same trail is always the same bytes.</summary>
    public static byte[] Lines(string orderId, IReadOnlyList<AuditEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        foreach (var entry in entries.OrderBy(e => e.Sequence))
        {
            text.Append(JsonSerializer.Serialize(new ArchivedAuditEntry(orderId, entry.Sequence, entry.At, entry.Actor, entry.Action, entry.Detail), Json.Options)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    // The month's blob with room for one more append (created when missing), and its length: where the next append goes.
    async Task<(AppendBlobClient Blob, long Position)> TailAsync(BlobContainerClient container, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        for (var part = 1; ; part++)
        {
            var blob = container.GetAppendBlobClient(BlobName(now, part));
            await blob.CreateIfNotExistsAsync(new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } }, cancellationToken);
            var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            if (properties.BlobCommittedBlockCount < MaxAppendsPerBlob)
            {
                return (blob, properties.ContentLength);
            }
        }
    }

    // Whether the blob holds exactly these bytes at this offset.
    static async Task<bool> HoldsAsync(AppendBlobClient blob, long offset, byte[] lines, CancellationToken cancellationToken)
    {
        try
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            if (properties.ContentLength < offset + lines.Length)
            {
                return false;
            }

            var read = await blob.DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(offset, lines.Length) }, cancellationToken);
            return read.Value.Content.ToMemory().Span.SequenceEqual(lines);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }
}
