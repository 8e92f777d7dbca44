using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Bench;

/// <summary>How fast one stretch of an import went: organizations [From, To) of the file.</summary>
internal sealed record ImportSegment(int From, int To, double Seconds, double OrganizationsPerSecond);

/// <summary>What the import measured at one size; the first five fields are the results file's contract.</summary>
internal sealed record ImportMeasurement(
    int Organizations,
    double ImportOrganizationsPerSecond,
    double BulkLoadOrganizationsPerSecond,
    double Ratio,
    double RepeatOrganizationsPerSecond,
    bool Complete,
    int Imported,
    double? ProjectedImportSeconds,
    double? ProjectedImportOrganizationsPerSecond,
    double ImportSeconds,
    double BulkLoadSeconds,
    double RepeatSeconds,
    int Created,
    int Updated,
    int Unchanged,
    int Failed,
    int RepeatUnchanged,
    long RepeatWrites,
    int Users,
    int Subscriptions,
    double NdjsonMegabytes,
    IReadOnlyDictionary<string, double> ImportRequestsPerOrganization,
    IReadOnlyDictionary<string, double> BulkLoadRequestsPerOrganization,
    IReadOnlyDictionary<string, double> RepeatRequestsPerOrganization,
    double? ImportAzuriteCores,
    double ImportBenchCores,
    double? BulkLoadAzuriteCores,
    double BulkLoadBenchCores,
    double? RepeatAzuriteCores,
    double? ImportAzuriteCpuMsPerOrganization,
    double? BulkLoadAzuriteCpuMsPerOrganization,
    double? RepeatAzuriteCpuMsPerOrganization,
    IReadOnlyList<ImportSegment> ImportSegments,
    IReadOnlyList<ImportSegment> RepeatSegments,
    int? ConsistencyProblems,
    IReadOnlyList<string> Problems);

/// <summary>What single PUTs measured at one size; the first four fields are the results file's contract.</summary>
internal sealed record PutMeasurement(
    int Organizations,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    int Puts,
    double MaxMs,
    string Tables,
    double P50WithoutPartitionQueriesMs,
    double P95WithoutPartitionQueriesMs,
    IReadOnlyList<KindLatency> ByKind,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> RequestsPerPut,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> RequestMillisecondsPerPut,
    double PointReadMedianMs,
    double PartitionQueryMedianMs,
    double PartitionQueryP95Ms,
    int UnexpectedOutcomes,
    int? ConsistencyProblems);

/// <summary>Both measurements of one size.</summary>
internal sealed record DirectoryResult(ImportMeasurement Import, PutMeasurement Put);

/// <summary>
/// The directory's write paths at one size, through the library against a fresh Azurite: the synthetic
/// organizations as an NDJSON file → <see cref="OrganizationImporter.ReadNdjson"/> → <see cref="OrganizationImporter.ImportAsync(IEnumerable{ImportItem}, CancellationToken)"/>
/// into empty tables, timed end to end; the same file again (everything unchanged); then single
/// <see cref="OrganizationStore.PutAsync"/> calls one at a time on the loaded tables; and
/// <see cref="OrganizationBulkLoader"/> on the same organizations into other empty tables for comparison.
/// Every request the Table clients send is counted by kind (<see cref="RequestCounter"/>).
/// </summary>
internal static class DirectoryBenchmark
{
    // The matching benchmark's seed: the same organizations at the same size.
    const int Seed = 20260101;
    const int WarmUpOrganizations = 60;

    public static async Task<DirectoryResult> RunAsync(int size, BenchOptions options, CancellationToken cancellationToken)
    {
        Log($"directory @ {size:N0}: generating");
        var world = SyntheticOrganizations.Generate(size, Seed);
        var file = Ndjson(world.Organizations);
        var problems = new List<string>();

        Emulator.Configure();
        await using var azurite = await AzuriteProcess.StartAsync(cancellationToken);
        var counter = new RequestCounter();
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        var service = new TableServiceClient(azurite.ConnectionString, clientOptions);
        var azuritePid = ProcessCpu.ListeningOn(azurite.TablePort);

        // JIT, connections and Azurite's first tables, on a few organizations in tables of their own.
        var warm = world.Organizations.Take(WarmUpOrganizations).ToList();
        var warmImport = await CreateTablesAsync(service, "warmimp", cancellationToken);
        await new OrganizationImporter(new OrganizationStore(service, warmImport)).ImportAsync(OrganizationImporter.ReadNdjson(Ndjson(warm)), cancellationToken);
        var warmBulk = await CreateTablesAsync(service, "warmbulk", cancellationToken);
        await new OrganizationBulkLoader(service, warmBulk, options.LoadConcurrency).LoadAsync(warm, cancellationToken);
        await DeleteTablesAsync(service, warmImport, cancellationToken);
        await DeleteTablesAsync(service, warmBulk, cancellationToken);

        // The import: NDJSON bytes to stored organizations, into empty tables.
        var imported = await CreateTablesAsync(service, "imp", cancellationToken);
        var store = new OrganizationStore(service, imported);
        var importer = new OrganizationImporter(store);
        Log($"directory @ {size:N0}: importing {world.Organizations.Count:N0} organizations ({world.UserCount:N0} users, {file.Length / 1e6:F1} MB of NDJSON), {OrganizationImporter.Concurrency} at a time{Budget(options)}");
        var import = await TimedImportAsync($"directory @ {size:N0}: import", importer, file, size, options.ImportBudget, counter, azuritePid, cancellationToken);
        var importResult = import.Result;
        var complete = import.Fed == size;
        Log($"directory @ {size:N0}: imported {import.Fed:N0} in {import.Seconds:F1} s = {Rate(import.Fed, import.Seconds)} organizations/s: created {importResult.Created:N0}, updated {importResult.Updated}, unchanged {importResult.Unchanged}, failed {importResult.FailedCount}; {import.Requests.Total / Math.Max(1, import.Fed):F1} requests per organization; Azurite {Cores(import.AzuriteCpu, import.Seconds)} cores");
        Expect(problems, importResult.Created == import.Fed && importResult.Updated == 0 && importResult.Unchanged == 0 && importResult.FailedCount == 0,
            $"import of {import.Fed} organizations into empty tables: created {importResult.Created}, updated {importResult.Updated}, unchanged {importResult.Unchanged}, failed {importResult.FailedCount}{string.Concat(importResult.Failed.Take(3).Select(f => $"; line {f.Line}: {string.Join(", ", f.Errors.SelectMany(e => e.Value))}"))}");

        int? consistency = null;
        if (size <= options.DirectoryConsistencyCheckUpTo)
        {
            consistency = await CheckAsync($"directory @ {size:N0}: after the import", service, imported, problems, cancellationToken);
            var stored = await CountOrganizationsAsync(service, imported, cancellationToken);
            Expect(problems, stored == import.Fed, $"the imported tables hold {stored} organizations, not {import.Fed}");
        }

        // The same file again: every organization is unchanged, nothing may be written.
        var repeat = await TimedImportAsync($"directory @ {size:N0}: repeat", importer, complete ? file : Ndjson(world.Organizations.Take(import.Fed).ToList()), import.Fed, options.ImportBudget, counter, azuritePid, cancellationToken);
        Log($"directory @ {size:N0}: repeated {repeat.Fed:N0} in {repeat.Seconds:F1} s = {Rate(repeat.Fed, repeat.Seconds)} organizations/s: unchanged {repeat.Result.Unchanged:N0}, {repeat.Requests.Writes} writes, {repeat.Requests.Total / Math.Max(1, repeat.Fed):F1} requests per organization");
        Expect(problems, repeat.Result.Unchanged == repeat.Fed && repeat.Result.Created + repeat.Result.Updated + repeat.Result.FailedCount == 0 && repeat.Requests.Writes == 0,
            $"repeated import: unchanged {repeat.Result.Unchanged} of {repeat.Fed}, created {repeat.Result.Created}, updated {repeat.Result.Updated}, failed {repeat.Result.FailedCount}, {repeat.Requests.Writes} write requests");

        // Single PUTs on the imported tables, which then go (Azurite holds every entity in memory) before the bulk
        // loader writes the same organizations into other empty tables. An import stopped by its budget left
        // tables with only part of the organizations: the PUTs then run on the bulk-loaded ones, which hold the same.
        PutMeasurement? put = null;
        if (complete)
        {
            put = await MeasurePutsAsync(size, world, service, imported, "imported", counter, options, problems, cancellationToken);
        }

        await DeleteTablesAsync(service, imported, cancellationToken);
        var bulkTables = await CreateTablesAsync(service, "bulk", cancellationToken);
        Log($"directory @ {size:N0}: bulk loading the same organizations into empty tables");
        var bulkBefore = counter.Snapshot();
        var (azuriteBefore, benchBefore) = (ProcessCpu.Seconds(azuritePid), Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
        var bulkStart = Stopwatch.GetTimestamp();
        var bulk = await new OrganizationBulkLoader(service, bulkTables, options.LoadConcurrency).LoadAsync(world.Organizations, cancellationToken);
        var bulkSeconds = Stopwatch.GetElapsedTime(bulkStart).TotalSeconds;
        var bulkRequests = counter.Snapshot().Since(bulkBefore);
        var bulkAzuriteCpu = Difference(azuriteBefore, ProcessCpu.Seconds(azuritePid));
        var bulkAzuriteCores = Cores(bulkAzuriteCpu, bulkSeconds);
        var bulkBenchCores = Math.Round((Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - benchBefore) / bulkSeconds, 2);
        Log($"directory @ {size:N0}: bulk loaded {bulk.Organizations:N0} in {bulkSeconds:F1} s = {Rate(bulk.Organizations, bulkSeconds)} organizations/s, {bulkRequests.Total / (double)size:F1} requests per organization; Azurite {bulkAzuriteCores} cores");

        put ??= await MeasurePutsAsync(size, world, service, bulkTables, "bulk-loaded", counter, options, problems, cancellationToken);

        var importRate = Rate(import.Fed, import.Seconds);
        var projected = Project(import.Segments, size);
        if (!complete)
        {
            Log($"directory @ {size:N0}: the whole file would take about {projected / 60:F0} min = {Rate(size, projected)} organizations/s, projected from how the time per organization grew over the {import.Segments.Count} stretches imported");
        }

        var bulkRate = Rate(size, bulkSeconds);
        foreach (var problem in problems)
        {
            Log($"directory @ {size:N0}: PROBLEM {problem}");
        }

        var measurement = new ImportMeasurement(
            size,
            importRate,
            bulkRate,
            Math.Round(bulkRate / importRate, 2),
            Rate(repeat.Fed, repeat.Seconds),
            complete,
            import.Fed,
            complete ? null : Math.Round(projected, 0),
            complete ? null : Rate(size, projected),
            Math.Round(import.Seconds, 1),
            Math.Round(bulkSeconds, 1),
            Math.Round(repeat.Seconds, 1),
            importResult.Created,
            importResult.Updated,
            importResult.Unchanged,
            importResult.FailedCount,
            repeat.Result.Unchanged,
            repeat.Requests.Writes,
            world.UserCount,
            world.Organizations.Sum(o => o.Subscriptions.Count),
            Math.Round(file.Length / 1e6, 1),
            import.Requests.Per(import.Fed),
            bulkRequests.Per(size),
            repeat.Requests.Per(repeat.Fed),
            Cores(import.AzuriteCpu, import.Seconds),
            Math.Round(import.BenchCpu / import.Seconds, 2),
            bulkAzuriteCores,
            bulkBenchCores,
            Cores(repeat.AzuriteCpu, repeat.Seconds),
            PerOrganization(import.AzuriteCpu, import.Fed),
            PerOrganization(bulkAzuriteCpu, size),
            PerOrganization(repeat.AzuriteCpu, repeat.Fed),
            import.Segments,
            repeat.Segments,
            consistency,
            problems);
        return new DirectoryResult(measurement, put);
    }

    /// <summary>Organizations in the seed-file shape, one per line, as the product writes JSON.</summary>
    public static byte[] Ndjson(IReadOnlyList<Organization> organizations)
    {
        using var stream = new MemoryStream();
        foreach (var organization in organizations)
        {
            JsonSerializer.Serialize(stream, organization, Json.Options);
            stream.WriteByte((byte)'\n');
        }

        return stream.ToArray();
    }

    sealed record TimedImport(ImportResult Result, int Fed, double Seconds, RequestCounts Requests, double? AzuriteCpu, double BenchCpu, IReadOnlyList<ImportSegment> Segments);

    // ReadNdjson → ImportAsync, timed end to end. The items are fed through a counter that times each twentieth of the
    // file and stops feeding when the budget is spent (the importer then finishes the writes it has started).
    static async Task<TimedImport> TimedImportAsync(string label, OrganizationImporter importer, byte[] file, int lines, TimeSpan budget, RequestCounter counter, int? azuritePid, CancellationToken cancellationToken)
    {
        var before = counter.Snapshot();
        var (azuriteBefore, benchBefore) = (ProcessCpu.Seconds(azuritePid), Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
        var segments = new List<ImportSegment>();
        var fed = 0;
        var start = Stopwatch.GetTimestamp();
        var result = await importer.ImportAsync(Feed(OrganizationImporter.ReadNdjson(file)), cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var requests = counter.Snapshot().Since(before);
        var benchCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - benchBefore;
        if (segments.Count == 0 || segments[^1].To < fed)
        {
            var from = segments.Count == 0 ? 0 : segments[^1].To;
            var at = segments.Sum(s => s.Seconds);
            segments.Add(new ImportSegment(from, fed, Math.Round(seconds - at, 1), Rate(fed - from, seconds - at)));
        }

        return new TimedImport(result, fed, seconds, requests, Difference(azuriteBefore, ProcessCpu.Seconds(azuritePid)), benchCpu, segments);

        IEnumerable<ImportItem> Feed(IEnumerable<ImportItem> items)
        {
            var tenth = Math.Max(1, lines / 20);
            var segmentStart = start;
            foreach (var item in items)
            {
                if (Stopwatch.GetElapsedTime(start) > budget)
                {
                    Log($"{label}: stopped feeding after {fed:N0} organizations, the budget of {budget.TotalMinutes:0.#} min spent");
                    yield break;
                }

                if (fed > 0 && fed % tenth == 0 && fed < lines)
                {
                    // Started, not finished: at most the importer's concurrency ahead, nothing at these sizes.
                    var elapsed = Stopwatch.GetElapsedTime(segmentStart).TotalSeconds;
                    segments.Add(new ImportSegment(fed - tenth, fed, Math.Round(elapsed, 1), Rate(tenth, elapsed)));
                    segmentStart = Stopwatch.GetTimestamp();
                    Log($"{label}: {fed:N0} of {lines:N0} after {Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s, the last {tenth:N0} at {Rate(tenth, elapsed)} organizations/s");
                }

                fed++;
                yield return item;
            }
        }
    }

    // Single PUTs one at a time, as an operator or a feed sends them: replacing an existing organization's users,
    // renaming one, creating a new one, in turn; each organization written once.
    static async Task<PutMeasurement> MeasurePutsAsync(int size, SyntheticOrganizations world, TableServiceClient service, TableNames tables, string which, RequestCounter counter, BenchOptions options, List<string> problems, CancellationToken cancellationToken)
    {
        var store = new OrganizationStore(service, tables);
        var random = new Random(Seed + 7);
        var total = options.PutWarmUp + options.Puts;
        var existing = Enumerable.Range(0, world.Organizations.Count).OrderBy(_ => random.Next()).Take(total).ToList();
        var all = new Samples();
        var withoutQueries = new Samples();
        var byKind = new SortedDictionary<string, Samples>(StringComparer.Ordinal);
        var requests = new SortedDictionary<string, (RequestCounts Sum, int Count)>(StringComparer.Ordinal);
        var unexpected = 0;
        Log($"directory @ {size:N0}: {options.PutWarmUp} PUTs to warm up, then {options.Puts} measured, one at a time, on the {which} tables");
        for (var i = 0; i < total; i++)
        {
            var (kind, organization, expected) = (i % 3) switch
            {
                0 => ("users", ChangeUsers(world.Organizations[existing[i % existing.Count]], i), OrganizationWrite.Replaced),
                1 => ("name", Rename(world.Organizations[existing[i % existing.Count]], i), OrganizationWrite.Replaced),
                _ => ("create", NewOrganization(i), OrganizationWrite.Created),
            };
            var before = counter.Snapshot();
            var start = Stopwatch.GetTimestamp();
            var result = await store.PutAsync(organization, ifMatch: null, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (result.Outcome != expected)
            {
                unexpected++;
                problems.Add($"PUT {organization.Id} ({kind}) answered {result.Outcome}, expected {expected}");
            }

            if (i < options.PutWarmUp)
            {
                continue;
            }

            all.Add(elapsed);
            var sent = counter.Snapshot().Since(before);

            // A PUT's partition queries are awaited one at a time, overlapping nothing: what is left is the rest of its work.
            withoutQueries.Add(elapsed - sent.Milliseconds(RequestKind.Query));
            (byKind.TryGetValue(kind, out var samples) ? samples : byKind[kind] = new Samples()).Add(elapsed);
            requests[kind] = requests.TryGetValue(kind, out var sum) ? (sum.Sum.Plus(sent), sum.Count + 1) : (sent, 1);
        }

        // For scale on this table size: the point read a PUT reads an organization with, and the partition query it
        // used to read it with (a scan of the whole table on Azurite), which no directory path makes any more.
        var pointReads = new Samples();
        var partitionQueries = new Samples();
        var organizations = service.GetTableClient(tables.Organizations);
        for (var i = 0; i < options.ContextReads; i++)
        {
            var id = world.Organizations[random.Next(world.Organizations.Count)].Id;
            await pointReads.TimeAsync(() => store.FindAsync(id, cancellationToken));
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {OrganizationRows.PartitionKey(id)}");
            await partitionQueries.TimeAsync(async () =>
            {
                var rows = 0;
                await foreach (var row in organizations.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
                {
                    rows++;
                }

                return rows;
            });
        }

        Log($"directory @ {size:N0}: PUT p50 {all.Median} ms, p95 {all.Percentile(95)} ms, p99 {all.Percentile(99)} ms over {all.Count} ({string.Join(", ", byKind.Select(k => $"{k.Key} p50 {k.Value.Median} / p95 {k.Value.Percentile(95)} ms"))}); point read {pointReads.Median} ms, partition query {partitionQueries.Median} ms (p95 {partitionQueries.Percentile(95)}); without its partition queries a PUT took p50 {withoutQueries.Median} ms, p95 {withoutQueries.Percentile(95)} ms");

        int? consistency = null;
        if (size <= options.DirectoryConsistencyCheckUpTo)
        {
            consistency = await CheckAsync($"directory @ {size:N0}: after the PUTs", service, tables, problems, cancellationToken);
        }

        return new PutMeasurement(
            size,
            all.Median,
            all.Percentile(95),
            all.Percentile(99),
            all.Count,
            all.Percentile(100),
            which,
            withoutQueries.Median,
            withoutQueries.Percentile(95),
            byKind.Select(k => new KindLatency(k.Key, k.Value.Count, k.Value.Median, k.Value.Percentile(95))).ToList(),
            requests.ToDictionary(r => r.Key, r => r.Value.Sum.Per(r.Value.Count)),
            requests.ToDictionary(r => r.Key, r => r.Value.Sum.MillisecondsPer(r.Value.Count)),
            pointReads.Median,
            partitionQueries.Median,
            partitionQueries.Percentile(95),
            unexpected,
            consistency);
    }

    // One user fewer (when there are several), one new user at the organization's first domain.
    static Organization ChangeUsers(Organization organization, int i)
    {
        var domain = EmailAddress.DomainOf(organization.Users.Count > 0 ? organization.Users[0].Email : string.Empty) ?? "put.example";
        var kept = organization.Users.Count > 1 ? organization.Users.Take(organization.Users.Count - 1) : organization.Users;
        return organization with { Users = [.. kept, new OrganizationUser($"put.user{i.ToString(CultureInfo.InvariantCulture)}@{domain}", "Put User", [])] };
    }

    // A new name with another name key: every domain index entry of the organization moves.
    static Organization Rename(Organization organization, int i) =>
        organization with { Name = $"Renamed {i.ToString(CultureInfo.InvariantCulture)} {organization.Name}" };

    static Organization NewOrganization(int i)
    {
        var n = i.ToString(CultureInfo.InvariantCulture);
        var users = Enumerable.Range(0, 1 + (i % 4))
            .Select(u => new OrganizationUser($"user{u.ToString(CultureInfo.InvariantCulture)}@putnew{n}.example", null, u == 0 ? [UserRole.FullAdmin] : []))
            .ToList();
        return new Organization($"org-put-{n}", $"Putnew{n} Systems", OrganizationType.Customer, SyntheticOrganizations.Now, users, [new OrganizationSubscription($"sub-put-{n}", SubscriptionStatus.Active)]);
    }

    static async Task<int> CheckAsync(string label, TableServiceClient service, TableNames tables, List<string> problems, CancellationToken cancellationToken)
    {
        var found = await new IndexConsistencyChecker(service, tables).CheckAsync(cancellationToken);
        Log($"{label}: consistency checker found {found.Count} problems{(found.Count > 0 ? ": " + string.Join(" | ", found.Take(5)) : string.Empty)}");
        problems.AddRange(found.Take(20).Select(p => $"{label}: {p}"));
        return found.Count;
    }

    static async Task<int> CountOrganizationsAsync(TableServiceClient service, TableNames tables, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var row in service.GetTableClient(tables.Organizations).QueryAsync<TableEntity>(select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count += OrganizationRows.IsOrganizationRow(row.RowKey) ? 1 : 0;
        }

        return count;
    }

    static async Task<TableNames> CreateTablesAsync(TableServiceClient service, string prefix, CancellationToken cancellationToken)
    {
        var names = new TableNames(prefix);
        foreach (var table in new[] { names.Organizations, names.UserIndex, names.DomainIndex, names.NameIndex, names.SubscriptionIndex })
        {
            await service.CreateTableIfNotExistsAsync(table, cancellationToken);
        }

        return names;
    }

    // Azurite keeps every table in memory; one that has been measured goes before the next is loaded.
    static async Task DeleteTablesAsync(TableServiceClient service, TableNames names, CancellationToken cancellationToken)
    {
        foreach (var table in new[] { names.Organizations, names.UserIndex, names.DomainIndex, names.NameIndex, names.SubscriptionIndex })
        {
            await service.DeleteTableAsync(table, cancellationToken);
        }
    }

    static void Expect(List<string> problems, bool condition, string problem)
    {
        if (!condition)
        {
            problems.Add(problem);
        }
    }

    static double Rate(int organizations, double seconds) => seconds <= 0 ? 0 : Math.Round(organizations / seconds, 1);

    static double? Difference(double? before, double? after) => before is { } b && after is { } a ? a - b : null;

    // Seconds for the whole file, from a straight line fitted to the seconds per organization of each stretch against
    // its position in the file (on Azurite every partition query scans the table, so that time grows with what is
    // already imported): the integral of that line from 0 to the number of organizations.
    static double Project(IReadOnlyList<ImportSegment> segments, int organizations)
    {
        var points = segments.Where(s => s.To > s.From).Select(s => (X: (s.From + s.To) / 2.0, Y: s.Seconds / (s.To - s.From))).ToList();
        if (points.Count < 2)
        {
            return points.Count == 1 ? points[0].Y * organizations : 0;
        }

        var (meanX, meanY) = (points.Average(p => p.X), points.Average(p => p.Y));
        var slope = Math.Max(0, points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / points.Sum(p => (p.X - meanX) * (p.X - meanX)));
        var intercept = meanY - (slope * meanX);
        return (intercept * organizations) + (slope * organizations * (double)organizations / 2);
    }

    static double? PerOrganization(double? cpuSeconds, int organizations) => cpuSeconds is { } cpu && organizations > 0 ? Math.Round(cpu * 1000 / organizations, 2) : null;

    static double? Cores(double? cpuSeconds, double seconds) => cpuSeconds is { } cpu && seconds > 0 ? Math.Round(cpu / seconds, 2) : null;

    static string Budget(BenchOptions options) => options.ImportBudget < TimeSpan.MaxValue ? $", at most {options.ImportBudget.TotalMinutes:0.#} min per import" : string.Empty;

    static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
