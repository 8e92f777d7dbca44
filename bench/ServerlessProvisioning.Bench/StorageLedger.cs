using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Bench;

/// <summary>The kinds of storage request <see cref="StorageLedger"/> tells apart, whoever sent them.</summary>
internal enum StorageKind
{
    /// <summary>A message added to a queue (POST …/messages): a queue message.</summary>
    QueuePut,

    /// <summary>A read of a queue's messages (GET …/messages): the engine's polling, whether or not it found one.</summary>
    QueueGet,

    /// <summary>A message deleted once handled (DELETE …/messages/{id}?popreceipt=).</summary>
    QueueDelete,

    /// <summary>A message's visibility or content changed (PUT …/messages/{id}?popreceipt=).</summary>
    QueueUpdate,

    /// <summary>A queue's metadata or properties read (the engine's scale and backlog checks).</summary>
    QueueMetadata,

    /// <summary>One entity read by both keys.</summary>
    TableRead,

    /// <summary>A query with a filter (a partition, a range, or a scan).</summary>
    TableQuery,

    /// <summary>One entity inserted, replaced, merged or deleted.</summary>
    TableWrite,

    /// <summary>An entity-group batch transaction.</summary>
    TableBatch,

    /// <summary>A blob lease acquired, renewed or released (the engine's partition ownership).</summary>
    BlobLease,

    /// <summary>Any other blob request (large payloads, the engine's partition table, the archive).</summary>
    Blob,

    /// <summary>Creating or listing queues, tables and containers.</summary>
    Management,
}

/// <summary>
/// Counts every request Azurite serves, from its access log (one line per request, printed unless it runs
/// <c>--silent</c>): the product's clients, the Durable Task engine's queues, tables and blob leases alike, which a
/// pipeline policy in one client could not see. Counts are exact on any machine; times on this one are not, which
/// is why the throughput section leads with them.
/// </summary>
internal sealed partial class StorageLedger
{
    static readonly int Kinds = Enum.GetValues<StorageKind>().Length;
    readonly long[] counts = new long[Kinds];
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> byResource = new(StringComparer.Ordinal);

    /// <summary>Reads one line of Azurite's output; anything but an access-log line is ignored.</summary>
    public void Observe(string? line)
    {
        if (line is null || Parse(line) is not { } kind)
        {
            return;
        }

        Interlocked.Increment(ref counts[(int)kind]);
        if (Dump is { } dump && kind is not (StorageKind.QueueGet or StorageKind.QueueMetadata or StorageKind.BlobLease))
        {
            lock (dump)
            {
                dump.WriteLine(line);
            }
        }

        byResource.AddOrUpdate($"{kind} {Resource(line)}", 1, (_, n) => n + 1);
    }

    /// <summary>Where every request but polling is written as it comes (BENCH_LEDGER_DUMP names the file; a diagnostic).</summary>
    public static readonly TextWriter? Dump = Environment.GetEnvironmentVariable("BENCH_LEDGER_DUMP") is { Length: > 0 } path ? TextWriter.Synchronized(new StreamWriter(path) { AutoFlush = true }) : null;

    /// <summary>Requests so far by kind and table, queue or container (to say where an order's requests go).</summary>
    public IReadOnlyDictionary<string, long> ByResource() => new Dictionary<string, long>(byResource, StringComparer.Ordinal);

    // The table, queue or container a line names, without keys ("Orders", "bench-control-00").
    static string Resource(string line)
    {
        var match = AccessLine().Match(line);
        var segments = match.Groups["target"].Value.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = segments.Length > 1 ? segments[1] : string.Empty;
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        return paren < 0 ? name : name[..paren];
    }

    /// <summary>The counts so far.</summary>
    public StorageCounts Snapshot() => new(Enumerable.Range(0, Kinds).Select(i => Interlocked.Read(ref counts[i])).ToArray());

    /// <summary>The kind of one access-log line: <c>127.0.0.1 - - [date] "METHOD /account/path?query HTTP/1.1" status -</c>.</summary>
    public static StorageKind? Parse(string line)
    {
        var match = AccessLine().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var method = match.Groups["method"].Value;
        var target = match.Groups["target"].Value;
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? target : target[..question];
        var query = question < 0 ? string.Empty : target[(question + 1)..];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);

        // segments[0] is the account.
        if (segments.Length >= 3 && segments[2] == "messages")
        {
            return (method, segments.Length) switch
            {
                ("POST", _) => StorageKind.QueuePut,
                ("GET", _) or ("HEAD", _) => StorageKind.QueueGet,
                ("DELETE", > 3) => StorageKind.QueueDelete,
                ("PUT", > 3) => StorageKind.QueueUpdate,
                _ => StorageKind.Management,
            };
        }

        if (segments.Length >= 2 && segments[^1] == "$batch")
        {
            return StorageKind.TableBatch;
        }

        if (segments.Length == 2 && segments[1].StartsWith("Tables", StringComparison.Ordinal))
        {
            return StorageKind.Management;
        }

        if (segments.Length == 2 && segments[1].Contains('(', StringComparison.Ordinal))
        {
            var keyed = segments[1].Contains("PartitionKey=", StringComparison.Ordinal);
            return method switch
            {
                "GET" when keyed => StorageKind.TableRead,
                "GET" => StorageKind.TableQuery,
                _ => StorageKind.TableWrite,
            };
        }

        if (query.Contains("comp=lease", StringComparison.Ordinal))
        {
            return StorageKind.BlobLease;
        }

        if (segments.Length == 2 && query.Contains("comp=metadata", StringComparison.Ordinal) && !query.Contains("restype=container", StringComparison.Ordinal))
        {
            // A queue's metadata (its approximate length); a container's carries restype=container.
            return StorageKind.QueueMetadata;
        }

        if (segments.Length == 2 && method == "POST")
        {
            // POST /account/Table is an insert (Azure.Data.Tables' AddEntity; the engine's inserts).
            return StorageKind.TableWrite;
        }

        if (segments.Length >= 3 || query.Contains("comp=", StringComparison.Ordinal) && !query.Contains("restype=", StringComparison.Ordinal))
        {
            return StorageKind.Blob;
        }

        return StorageKind.Management;
    }

    [GeneratedRegex("^\\S+ - - \\[[^\\]]+\\] \"(?<method>[A-Z]+) (?<target>\\S+) HTTP/[0-9.]+\" (?<status>\\d{3})", RegexOptions.CultureInvariant)]
    private static partial Regex AccessLine();
}

/// <summary>Storage requests by <see cref="StorageKind"/> (an average when divided, hence not whole numbers).</summary>
internal sealed class StorageCounts(double[] counts)
{
    readonly double[] values = counts;

    /// <summary>Counts taken from the ledger.</summary>
    public StorageCounts(long[] counts)
        : this(counts.Select(c => (double)c).ToArray())
    {
    }

    /// <summary>Requests of one kind.</summary>
    public double this[StorageKind kind] => values[(int)kind];

    /// <summary>What was served between <paramref name="before"/> and this snapshot.</summary>
    public StorageCounts Since(StorageCounts before)
    {
        ArgumentNullException.ThrowIfNull(before);
        return new(values.Zip(before.values, (a, b) => a - b).ToArray());
    }

    /// <summary>These counts without <paramref name="times"/> requests costing <paramref name="each"/>.</summary>
    public StorageCounts Less(StorageCounts each, int times)
    {
        ArgumentNullException.ThrowIfNull(each);
        return new(values.Zip(each.values, (a, b) => a - (b * times)).ToArray());
    }

    /// <summary>An average over <paramref name="n"/>.</summary>
    public StorageCounts Divide(int n) => new(values.Select(c => c / Math.Max(1, n)).ToArray());

    /// <summary>
    /// Everything except the engine's background: queue polling (gets and metadata reads), blob leases and
    /// management calls. What an order itself costs.
    /// </summary>
    public double Work => values.Sum() - this[StorageKind.QueueGet] - this[StorageKind.QueueMetadata] - this[StorageKind.BlobLease] - this[StorageKind.Management];

    /// <summary>Requests per order by kind, plus "work" (<see cref="Work"/>) and "queueMessages" (queue puts).</summary>
    public IReadOnlyDictionary<string, double> Per(int orders)
    {
        var result = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var kind in Enum.GetValues<StorageKind>())
        {
            var name = kind.ToString();
            result[char.ToLowerInvariant(name[0]) + name[1..]] = Math.Round(this[kind] / Math.Max(1, orders), 2);
        }

        result["queueMessages"] = Math.Round(this[StorageKind.QueuePut] / Math.Max(1, orders), 2);
        result["work"] = Math.Round(Work / Math.Max(1, orders), 2);
        return result;
    }
}
