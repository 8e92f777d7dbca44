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

/// <summary>
/// Where an order's audit goes in the archive: the blob, the offset and length of its lines, whether the append is
/// known to have landed, and when the purge that is appending it claimed the place.
/// </summary>
public sealed record AuditArchiveMarker(string Blob, long Offset, long Length, bool Done, DateTimeOffset ClaimedAt);

/// <summary>One line of the audit archive: the audit entry and the order it belongs to; (orderId, sequence) is its key.</summary>
public sealed record ArchivedAuditEntry(string OrderId, int Sequence, DateTimeOffset At, string Actor, string Action, string? Detail);

/// <summary>What archiving an order's audit came to.</summary>
public enum AuditArchiving
{
    /// <summary>The order has no audit rows (none, or a purge already deleted them): nothing to keep.</summary>
    NothingToArchive,

    /// <summary>The audit is in the archive, appended by this call or an earlier one.</summary>
    Archived,

    /// <summary>Another purge is appending it right now: leave the order for the next purge.</summary>
    Busy,
}

/// <summary>
/// Keeps a purged order's audit: before the retention purge deletes an order, its audit trail is appended as NDJSON
/// (one <see cref="ArchivedAuditEntry"/> per line, oldest first) to the month's append blob in the archive container,
/// <c>audit/yyyy-MM.ndjson</c> (then <c>audit/yyyy-MM-2.ndjson</c>, … once a blob holds the 50,000 appends a blob may).
/// Exactly once under repeated purges: a marker row in the order's partition claims a place (the blob and its
/// length) before the append, written only over the version the purge read, and the append is conditional on the
/// blob still being that long. A purge that finds a marker checks the bytes at its place instead of appending again
/// (an order's lines are always the same bytes); one that finds a fresh claim of another purge leaves the order to the
/// next run. The marker is the last row the purge deletes, so a delete that dies halfway is not archived again.
/// </summary>
public sealed class AuditArchive(OrderStore orders, BlobServiceClient blobs, TableNames names, TimeProvider time, ILogger<AuditArchive> logger)
{
    /// <summary>How many appends (committed blocks) one append blob takes.</summary>
    public const int MaxAppendsPerBlob = 50_000;

    /// <summary>How long a claimed place is another purge's before a purge may take it over (its claimant died).</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(2);

    int containerReady;

    /// <summary>The blob of a month's archive (<paramref name="part"/> 2 onwards once the first is full).</summary>
    public static string BlobName(DateTimeOffset month, int part = 1) =>
        string.Create(CultureInfo.InvariantCulture, $"audit/{month.UtcDateTime:yyyy-MM}{(part > 1 ? $"-{part}" : string.Empty)}.ndjson");

    /// <summary>Appends the order's audit to the archive unless it is there already.</summary>
    public async Task<AuditArchiving> ArchiveAsync(string orderId, CancellationToken cancellationToken)
    {
        var entries = await orders.GetAuditAsync(orderId, cancellationToken);
        if (entries.Count == 0)
        {
            return AuditArchiving.NothingToArchive;
        }

        var container = blobs.GetBlobContainerClient(names.ArchiveContainer);
        if (Interlocked.CompareExchange(ref containerReady, 1, 0) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        var lines = Lines(orderId, entries);
        ETag? mine = null;
        for (var attempt = 1; ; attempt++)
        {
            var current = await orders.GetArchiveMarkerAsync(orderId, cancellationToken);
            if (current is { Marker.Done: true })
            {
                return AuditArchiving.Archived;
            }

            if (current is ({ } marker, var version))
            {
                // A purge (this one, or one that died) claimed this place and may have appended there.
                if (await HoldsAsync(container.GetAppendBlobClient(marker.Blob), marker.Offset, lines, cancellationToken))
                {
                    await orders.TryWriteArchiveMarkerAsync(orderId, marker with { Done = true }, version, cancellationToken);
                    return AuditArchiving.Archived;
                }

                if (version != mine && time.GetUtcNow() - marker.ClaimedAt < ClaimLease)
                {
                    return AuditArchiving.Busy;
                }
            }

            if (attempt > 20)
            {
                throw new InvalidOperationException($"Could not append the audit of order '{orderId}' to the archive after {attempt - 1} tries.");
            }

            var (blob, position) = await TailAsync(container, cancellationToken);
            mine = await orders.TryWriteArchiveMarkerAsync(orderId, new AuditArchiveMarker(blob.Name, position, lines.Length, Done: false, time.GetUtcNow()), current?.Version, cancellationToken);
            if (mine is null)
            {
                // Another purge claimed it first: look again.
                continue;
            }

            try
            {
                using var content = new MemoryStream(lines, writable: false);
                await blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = position } }, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 412 || e.ErrorCode == "BlockCountExceedsLimit")
            {
                // Another order was appended first, or the blob is full: claim a new place.
                continue;
            }

            await orders.TryWriteArchiveMarkerAsync(orderId, new AuditArchiveMarker(blob.Name, position, lines.Length, Done: true, time.GetUtcNow()), mine, cancellationToken);
            logger.LogInformation("Archived the audit of order {OrderId} ({Count} entries) to {Blob}", orderId, entries.Count, blob.Name);
            return AuditArchiving.Archived;
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
