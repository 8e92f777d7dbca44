using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessProvisioning.Bench;
using ServerlessProvisioning.DevTools;

// dotnet run -c Release --project bench/ServerlessProvisioning.Bench -- [--quick] [--sizes 1000,10000] [--directory-sizes 1000,10000] [--no-wizard] [--no-matching] [--no-import] [--import-budget MIN] [--puts N] [--naive N] [--verbose] [--output path]
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/ServerlessProvisioning.Bench -- [--quick] [--sizes 1000,10000,100000] [--directory-sizes 1000,10000,100000] [--no-wizard] [--no-matching] [--no-import] [--import-budget MIN] [--puts N] [--naive N] [--verbose] [--output bench/results/latest.json]");
    return 2;
}

// Ctrl+C and SIGTERM unwind normally, so every Azurite and local host this run started is stopped.
using var cancellation = new CancellationTokenSource();
using var onInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);

var root = AzuriteProcess.FindRepositoryRoot() ?? throw new InvalidOperationException("Run from inside the repository (package.json and ServerlessProvisioning.sln).");
var started = Stopwatch.GetTimestamp();
Console.WriteLine($"Serverless Provisioning benchmark, {(options.Quick ? "quick" : "full")} mode: sizes {string.Join(", ", options.Sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))}, directory {(options.Import ? string.Join(", ", options.DirectorySizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture))) : "skipped")}; {Machine.Describe()}");
Console.WriteLine($"Storage: {Emulator.Description}.");

var matching = new List<MatchingResult>();
if (options.Matching)
{
    foreach (var size in options.Sizes)
    {
        matching.Add(await MatchingBenchmark.RunAsync(size, options, cancellation.Token));
    }
}

var directory = new List<DirectoryResult>();
if (options.Import)
{
    foreach (var size in options.DirectorySizes)
    {
        directory.Add(await DirectoryBenchmark.RunAsync(size, options, cancellation.Token));
    }
}

var wizard = options.Wizard ? await WizardBenchmark.RunAsync(options, cancellation.Token) : null;
var targets = Targets.Evaluate(matching, wizard, directory);
var elapsed = Stopwatch.GetElapsedTime(started);

var results = new BenchResults(
    matching,
    wizard,
    wizard?.WorkflowsPerSecond,
    wizard?.Storage,
    wizard?.Burst,
    directory.Select(d => d.Import).ToList(),
    directory.Select(d => d.Put).ToList(),
    options.Quick ? "quick" : "full",
    options.CommandLine,
    Emulator.Description,
    DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    Math.Round(elapsed.TotalSeconds, 0),
    Machine.Describe(),
    targets);
var output = Path.GetFullPath(options.Output ?? Path.Combine(root, "bench", "results", "latest.json"));
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(results, BenchResults.JsonOptions) + Environment.NewLine, cancellation.Token);

Console.WriteLine();
Console.WriteLine("size        p50 ms   p95 ms   p99 ms   point read ms   naive p95 ms   load s");
foreach (var m in matching)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{m.Organizations,-10:N0} {m.P50Ms,8} {m.P95Ms,8} {m.P99Ms,8} {m.PointReadMedianMs,15} {m.NaiveP95Ms,14} {m.LoadSeconds,8}"));
}

if (directory.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("size        import org/s   bulk load org/s   ratio   repeat org/s   PUT p50 ms   p95 ms   p99 ms   partition query ms");
    foreach (var (import, put) in directory)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{import.Organizations,-10:N0} {import.ImportOrganizationsPerSecond,12}{(import.Complete ? " " : "*")} {import.BulkLoadOrganizationsPerSecond,16} {import.Ratio,7} {import.RepeatOrganizationsPerSecond,14} {put.P50Ms,12} {put.P95Ms,8} {put.P99Ms,8} {put.PartitionQueryMedianMs,20}"));
    }

    if (directory.Any(d => !d.Import.Complete))
    {
        Console.WriteLine("* stopped by --import-budget: the rate of the organizations imported in the budget, into a table still filling");
    }
}

if (wizard is not null)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wizard round trip p50 {wizard.P50Ms} ms, p95 {wizard.P95Ms} ms; {wizard.WorkflowsPerSecond} workflows/s with {wizard.InFlight} in flight"));
    foreach (var path in wizard.Storage.Paths)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"storage per completed order, {path.Path}: {path.QueueMessages} queue messages, {path.Work} requests other than polling"));
    }
}

Console.WriteLine();
foreach (var target in targets)
{
    Console.WriteLine($"{(target.Pass ? "PASS" : "FAIL")}  {target.Name}: {target.Detail}");
}

Console.WriteLine($"Wrote {output} in {elapsed.TotalMinutes:F1} min.");

// Latency targets are ratios to watch on a noisy machine; a wrong answer is a failure.
return targets.Any(t => t.Name is Targets.Answers or Targets.DirectoryAnswers or Targets.BurstAnswers && !t.Pass) ? 1 : 0;

void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    cancellation.Cancel();
}

namespace ServerlessProvisioning.Bench
{
    /// <summary>What to run and how much of it.</summary>
    internal sealed record BenchOptions(
        bool Quick,
        IReadOnlyList<int> Sizes,
        IReadOnlyList<int> DirectorySizes,
        bool Matching,
        bool Wizard,
        bool Import,
        bool Verbose,
        string? Output,
        string CommandLine)
    {
        /// <summary>Measured matching submissions per size.</summary>
        public int Submissions { get; init; } = 600;

        /// <summary>Unmeasured submissions first.</summary>
        public int WarmUp { get; init; } = 150;

        /// <summary>Naive submissions per size (the first of the measured ones).</summary>
        public int NaiveSubmissions { get; init; } = 60;

        /// <summary>Batches in flight while loading.</summary>
        public int LoadConcurrency { get; init; } = 24;

        /// <summary>Sizes at which the scanning consistency checker runs.</summary>
        public int ConsistencyCheckUpTo { get; init; } = 1_000;

        /// <summary>Sizes at which the directory benchmark runs the consistency checker (after the import and after the PUTs).</summary>
        public int DirectoryConsistencyCheckUpTo { get; init; } = 10_000;

        /// <summary>
        /// How long an import (and its repeat) may take before it stops feeding organizations. On Azurite the
        /// import's time per organization grows with the table (every partition query scans it), so 100k would take
        /// hours; past the budget the run reports the rate so far and a projection. <c>--import-budget 0</c>: no limit.
        /// </summary>
        public TimeSpan ImportBudget { get; init; } = TimeSpan.FromMinutes(30);

        /// <summary>Unmeasured PUTs first.</summary>
        public int PutWarmUp { get; init; } = 50;

        /// <summary>Measured PUTs per size.</summary>
        public int Puts { get; init; } = 300;

        /// <summary>Point reads and partition queries timed after the PUTs, to say what a PUT is made of.</summary>
        public int ContextReads { get; init; } = 40;

        /// <summary>Whole flows before the wizard measurements.</summary>
        public int WizardWarmUp { get; init; } = 5;

        /// <summary>Submission-to-candidates round trips.</summary>
        public int RoundTrips { get; init; } = 120;

        /// <summary>Whole flows in the throughput run.</summary>
        public int ThroughputWorkflows { get; init; } = 200;

        /// <summary>Flows in flight during the throughput run.</summary>
        public int InFlight { get; init; } = 50;

        /// <summary>Orders per path whose storage requests are counted, one at a time.</summary>
        public int CostOrders { get; init; } = 5;

        /// <summary>Orders posted at once in the burst (0: none).</summary>
        public int BurstOrders { get; init; } = 1_000;

        /// <summary>Reads the command line; null when it is not understood.</summary>
        public static BenchOptions? Parse(string[] args)
        {
            var quick = args.Contains("--quick");
            IReadOnlyList<int> sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
            IReadOnlyList<int>? directorySizes = null;
            var sizesGiven = false;
            string? output = null;
            int? naive = null;
            TimeSpan? budget = null;
            int? puts = null;
            int? burst = null;
            int? roundTrips = null;
            int? flows = null;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--quick" or "--no-wizard" or "--no-matching" or "--no-import" or "--verbose":
                        break;
                    case "--sizes" when i + 1 < args.Length:
                        sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
                        sizesGiven = true;
                        break;
                    case "--directory-sizes" when i + 1 < args.Length:
                        directorySizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
                        break;
                    case "--round-trips" when i + 1 < args.Length:
                        roundTrips = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture));
                        break;
                    case "--flows" when i + 1 < args.Length:
                        flows = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture));
                        break;
                    case "--burst" when i + 1 < args.Length:
                        burst = int.Parse(args[++i], CultureInfo.InvariantCulture);
                        break;
                    case "--puts" when i + 1 < args.Length:
                        puts = int.Parse(args[++i], CultureInfo.InvariantCulture);
                        break;
                    case "--import-budget" when i + 1 < args.Length:
                        var minutes = double.Parse(args[++i], CultureInfo.InvariantCulture);
                        budget = minutes > 0 ? TimeSpan.FromMinutes(minutes) : TimeSpan.MaxValue;
                        break;
                    case "--naive" when i + 1 < args.Length:
                        naive = int.Parse(args[++i], CultureInfo.InvariantCulture);
                        break;
                    case "--output" when i + 1 < args.Length:
                        output = args[++i];
                        break;
                    default:
                        return null;
                }
            }

            // The directory runs where the issue asks (10k and 100k) and at 1k for the PUT's smallest size; --sizes alone
            // (the smoke test's 300) applies to it too.
            directorySizes ??= sizesGiven ? sizes : quick ? [1_000, 2_000] : [1_000, 10_000, 100_000];
            var options = new BenchOptions(quick, sizes, directorySizes, !args.Contains("--no-matching"), !args.Contains("--no-wizard"), !args.Contains("--no-import"), args.Contains("--verbose"), output, string.Join(' ', ["dotnet run -c Release --project bench/ServerlessProvisioning.Bench --", .. args]).TrimEnd(' ', '-')) { ImportBudget = budget ?? TimeSpan.FromMinutes(30) };
            options = quick ? options with { RoundTrips = 100, ThroughputWorkflows = 100, WizardWarmUp = 3, NaiveSubmissions = 50, Submissions = 510, WarmUp = 90 } : options;
            options = puts is { } p ? options with { Puts = p } : options;
            options = burst is { } b ? options with { BurstOrders = b } : options;
            options = roundTrips is { } r ? options with { RoundTrips = r } : options;
            options = flows is { } f ? options with { ThroughputWorkflows = f } : options;
            return naive is { } n ? options with { NaiveSubmissions = n } : options;
        }
    }

    /// <summary>One target of the benchmark and whether this run met it.</summary>
    internal sealed record TargetResult(string Name, bool Pass, string Detail);

    /// <summary>The targets the benchmark is held to (ratios, so they mean the same on any machine).</summary>
    internal static class Targets
    {
        /// <summary>The target that is about matching's correctness, not speed.</summary>
        public const string Answers = "indexed = reference = naive answers, indexes consistent";

        /// <summary>The target that is about the directory's writes being right, not fast.</summary>
        public const string DirectoryAnswers = "directory: import created every organization, repeat wrote nothing, PUTs answered as expected, indexes consistent";

        /// <summary>The target that is about the burst losing or doubling nothing, not speed.</summary>
        public const string BurstAnswers = "burst: every order answered 202 and invited exactly once";

        /// <summary>How many times slower than the bulk loader the importer may be.</summary>
        public const double ImportRatio = 2;

        /// <summary>How much a PUT's p95 may grow from the smallest to the largest directory size.</summary>
        public const double PutGrowth = 1.5;

        public static IReadOnlyList<TargetResult> Evaluate(IReadOnlyList<MatchingResult> matching, WizardResult? wizard, IReadOnlyList<DirectoryResult> directory)
        {
            var list = new List<TargetResult>();
            foreach (var m in matching)
            {
                var ratio = m.P95Ms / m.PointReadMedianMs;
                list.Add(new($"matching p95 <= 4 x point-read median @ {m.Organizations:N0}", ratio <= 4, F($"p95 {m.P95Ms} ms = {ratio:F2} x point read {m.PointReadMedianMs} ms")));
            }

            if (matching.Count >= 2)
            {
                var smallest = matching.MinBy(m => m.Organizations)!;
                var largest = matching.MaxBy(m => m.Organizations)!;
                var ratio = largest.P95Ms / smallest.P95Ms;
                list.Add(new($"matching p95 flat: p95 @ {largest.Organizations:N0} <= 1.5 x p95 @ {smallest.Organizations:N0}", ratio <= 1.5, F($"{largest.P95Ms} ms / {smallest.P95Ms} ms = {ratio:F2}")));
            }

            if (matching.Count > 0)
            {
                var largest = matching.MaxBy(m => m.Organizations)!;
                var ratio = largest.NaiveP95Ms / largest.P95Ms;
                list.Add(new($"naive >= 10 x slower @ {largest.Organizations:N0}", ratio >= 10, F($"naive p95 {largest.NaiveP95Ms} ms / indexed p95 {largest.P95Ms} ms = {ratio:F1}")));
                var wrong = matching.Sum(m => m.ReferenceMismatches + m.NaiveMismatches + (m.ConsistencyProblems ?? 0));
                list.Add(new(Answers, wrong == 0, F($"{wrong} differences or problems")));
            }

            foreach (var i in directory.Select(d => d.Import))
            {
                var scope = i.Complete ? string.Empty : F($" (the first {i.Imported:N0} in the budget)");
                list.Add(new($"import within {ImportRatio:F0} x bulk loader @ {i.Organizations:N0}", i.Ratio <= ImportRatio, F($"import {i.ImportOrganizationsPerSecond} organizations/s{scope}, bulk loader {i.BulkLoadOrganizationsPerSecond} organizations/s = {i.Ratio:F2} x; repeat {i.RepeatOrganizationsPerSecond} organizations/s")));
            }

            if (directory.Count >= 2)
            {
                var smallest = directory.Select(d => d.Put).MinBy(p => p.Organizations)!;
                var largest = directory.Select(d => d.Put).MaxBy(p => p.Organizations)!;
                var ratio = largest.P95Ms / smallest.P95Ms;
                list.Add(new($"PUT p95 flat: p95 @ {largest.Organizations:N0} <= {PutGrowth} x p95 @ {smallest.Organizations:N0}", ratio <= PutGrowth, F($"{largest.P95Ms} ms / {smallest.P95Ms} ms = {ratio:F2}; without its partition queries {largest.P95WithoutPartitionQueriesMs} ms / {smallest.P95WithoutPartitionQueriesMs} ms = {largest.P95WithoutPartitionQueriesMs / smallest.P95WithoutPartitionQueriesMs:F2}; one partition query {largest.PartitionQueryMedianMs} ms / {smallest.PartitionQueryMedianMs} ms")));
            }

            if (directory.Count > 0)
            {
                var wrong = directory.Sum(d => d.Import.Problems.Count);
                list.Add(new(DirectoryAnswers, wrong == 0, F($"{wrong} problems{string.Concat(directory.SelectMany(d => d.Import.Problems).Take(3).Select(p => "; " + p))}")));
            }

            if (wizard is not null)
            {
                list.Add(new("wizard round trip p95 < 1.5 s", wizard.P95Ms < 1500, F($"p95 {wizard.P95Ms} ms (p50 {wizard.P50Ms} ms)")));
                foreach (var path in wizard.Storage.Paths)
                {
                    // Half of what workflow 1.2 cost (docs/benchmarks.md): 25 messages and 195 requests new, 39 and 282 approval.
                    var (messages, work) = path.Path == "approval" ? (19.5, 141.0) : (12.0, 90.0);
                    list.Add(new($"storage per completed order ({path.Path}): <= {messages} queue messages and <= {work} other requests", path.QueueMessages <= messages && path.Work <= work, F($"{path.QueueMessages} queue messages, {path.Work} requests other than polling")));
                }

                list.Add(new("completed orders/s with 50 in flight >= 2.5", wizard.WorkflowsPerSecond >= 2.5, F($"{wizard.WorkflowsPerSecond} per second, flow p50 {wizard.FlowP50Ms} ms, p95 {wizard.FlowP95Ms} ms")));
                if (wizard.Burst is { } burst)
                {
                    list.Add(new(BurstAnswers, burst.Accepted == burst.Orders && burst.Invited == burst.Orders && burst.Duplicated == 0 && burst.Lost == 0, F($"{burst.Accepted}/{burst.Orders} answered 202, {burst.Invited} invited exactly once, {burst.Duplicated} more than once, {burst.Lost} lost; the last invitation after {burst.SecondsToLastInvitation} s ({burst.InvitationsPerSecond}/s), webhook p95 {burst.WebhookP95Ms} ms")));
                }
            }

            return list;
        }

        static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>bench/results/latest.json: matching, wizardRoundTrip, workflowsPerSecond, import and put are the contract; the rest is context.</summary>
    internal sealed record BenchResults(
        IReadOnlyList<MatchingResult> Matching,
        WizardResult? WizardRoundTrip,
        double? WorkflowsPerSecond,
        StorageCost? StoragePerOrder,
        BurstResult? Burst,
        IReadOnlyList<ImportMeasurement> Import,
        IReadOnlyList<PutMeasurement> Put,
        string Mode,
        string Command,
        string Storage,
        string Timestamp,
        double RunSeconds,
        string Machine,
        IReadOnlyList<TargetResult> Targets)
    {
        public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
    }

    /// <summary>The machine the numbers came from.</summary>
    internal static class Machine
    {
        public static string Describe()
        {
            var cpu = "unknown CPU";
            var memory = string.Empty;
            try
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
                var kb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
                memory = $", {long.Parse(kb, CultureInfo.InvariantCulture) / 1024 / 1024} GiB RAM";
            }
            catch (IOException)
            {
                // Not Linux: the processor count still says something.
            }

            return $"{Environment.ProcessorCount} cores ({cpu}){memory}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, Azurite (in memory) on node";
        }
    }
}
