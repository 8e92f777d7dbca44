using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessProvisioning.Bench;

/// <summary>The kinds of Table Storage request a write path can make, as <see cref="RequestCounter"/> tells them apart.</summary>
internal enum RequestKind
{
    /// <summary>GET of one entity by its keys.</summary>
    PointRead,

    /// <summary>GET with a filter (a partition query): on Azurite a scan of the whole table.</summary>
    Query,

    /// <summary>POST of one entity.</summary>
    Insert,

    /// <summary>POST of an entity-group batch transaction.</summary>
    Batch,

    /// <summary>PUT or MERGE of one entity.</summary>
    Update,

    /// <summary>DELETE of one entity.</summary>
    Delete,
}

/// <summary>
/// Counts the requests the Table Storage clients send (each retry too) by kind, and the time until each one's
/// response, so the benchmark says how many requests one organization costs on each write path and where a
/// PUT's time goes, instead of guessing it from the code.
/// </summary>
internal sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    const string StartProperty = "bench-request-start";
    static readonly int Kinds = Enum.GetValues<RequestKind>().Length;

    readonly long[] counts = new long[Kinds];
    readonly long[] ticks = new long[Kinds];

    /// <summary>The counts and times so far, by kind.</summary>
    public RequestCounts Snapshot() => new(
        Enumerable.Range(0, Kinds).Select(i => Interlocked.Read(ref counts[i])).ToArray(),
        Enumerable.Range(0, Kinds).Select(i => Interlocked.Read(ref ticks[i])).ToArray());

    /// <inheritdoc />
    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.SetProperty(StartProperty, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref counts[(int)KindOf(message.Request)]);
    }

    /// <inheritdoc />
    public override void OnReceivedResponse(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.TryGetProperty(StartProperty, out var start) && start is long timestamp)
        {
            Interlocked.Add(ref ticks[(int)KindOf(message.Request)], Stopwatch.GetTimestamp() - timestamp);
        }
    }

    static RequestKind KindOf(Request request) => request.Method.Method switch
    {
        // A point read names both keys in the path; a query is "table()" with a $filter.
        "GET" => request.Uri.Path.Contains("(PartitionKey=", StringComparison.Ordinal) ? RequestKind.PointRead : RequestKind.Query,
        "POST" => request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) ? RequestKind.Batch : RequestKind.Insert,
        "DELETE" => RequestKind.Delete,
        _ => RequestKind.Update,
    };
}

/// <summary>Request counts and the time until their responses (Stopwatch ticks, summed), by <see cref="RequestKind"/>.</summary>
internal sealed class RequestCounts
{
    readonly long[] counts;
    readonly long[] ticks;

    /// <summary>Counts and summed ticks, indexed by <see cref="RequestKind"/>.</summary>
    public RequestCounts(long[] counts, long[] ticks)
    {
        this.counts = counts;
        this.ticks = ticks;
    }

    /// <summary>All requests.</summary>
    public long Total => counts.Sum();

    /// <summary>Requests that change something (everything but reads and queries).</summary>
    public long Writes => Total - counts[(int)RequestKind.PointRead] - counts[(int)RequestKind.Query];

    /// <summary>What was sent between <paramref name="before"/> and this snapshot.</summary>
    public RequestCounts Since(RequestCounts before)
    {
        ArgumentNullException.ThrowIfNull(before);
        return new(counts.Zip(before.counts, (a, b) => a - b).ToArray(), ticks.Zip(before.ticks, (a, b) => a - b).ToArray());
    }

    /// <summary>Both together.</summary>
    public RequestCounts Plus(RequestCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(counts.Zip(other.counts, (a, b) => a + b).ToArray(), ticks.Zip(other.ticks, (a, b) => a + b).ToArray());
    }

    /// <summary>Milliseconds spent waiting for requests of one kind.</summary>
    public double Milliseconds(RequestKind kind) => ticks[(int)kind] * 1000.0 / Stopwatch.Frequency;

    /// <summary>Requests per item (per organization, per PUT) by kind, plus "total"; kinds never used are left out.</summary>
    public IReadOnlyDictionary<string, double> Per(int items) => ByKind(i => (double)counts[i] / Math.Max(1, items), Total / (double)Math.Max(1, items));

    /// <summary>
    /// Milliseconds per item spent waiting for requests of each kind, plus "total". Meaningful for calls made one at a
    /// time (concurrent requests of one call overlap, so their times add up to more than the call took).
    /// </summary>
    public IReadOnlyDictionary<string, double> MillisecondsPer(int items) =>
        ByKind(i => ticks[i] * 1000.0 / Stopwatch.Frequency / Math.Max(1, items), ticks.Sum() * 1000.0 / Stopwatch.Frequency / Math.Max(1, items));

    SortedDictionary<string, double> ByKind(Func<int, double> value, double total)
    {
        var result = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var kind in Enum.GetValues<RequestKind>())
        {
            if (counts[(int)kind] > 0)
            {
                var name = kind.ToString();
                result[char.ToLowerInvariant(name[0]) + name[1..]] = Math.Round(value((int)kind), 2);
            }
        }

        result["total"] = Math.Round(total, 2);
        return result;
    }
}
