using System.Diagnostics;
using Azure.Data.Tables;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Bench;

/// <summary>Latency percentiles of one kind of submission.</summary>
internal sealed record KindLatency(string Kind, int Count, double P50Ms, double P95Ms);

/// <summary>What one size measured; the first six fields are the results file's contract.</summary>
internal sealed record MatchingResult(
    int Organizations,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double PointReadMedianMs,
    double NaiveP95Ms,
    int Submissions,
    double NaiveP50Ms,
    int NaiveSubmissions,
    double PointReadP95Ms,
    double UserIndexReadMedianMs,
    double DomainIndexReadMedianMs,
    double LoadSeconds,
    int Users,
    int Entities,
    int LoadRequests,
    int? ConsistencyProblems,
    int ReferenceChecked,
    int ReferenceMismatches,
    int NaiveMismatches,
    double MeanSummaryReads,
    int MaxSummaryReads,
    IReadOnlyList<KindLatency> ByKind,
    IReadOnlyList<KindLatency> BySummaryReads,
    IReadOnlyDictionary<string, double> ConcurrentPointReadsMedianMs,
    int? OpenTableConnections);

/// <summary>
/// Matching at one size: a fresh Azurite, the synthetic organizations bulk-loaded into the product's tables,
/// then sequential submissions through the product's <see cref="OrganizationMatcher"/> (a person waits for each),
/// single point reads, and the <see cref="NaiveMatcher"/> baseline.
/// </summary>
internal static class MatchingBenchmark
{
    const int Seed = 20260101;

    public static async Task<MatchingResult> RunAsync(int size, BenchOptions options, CancellationToken cancellationToken)
    {
        Log($"matching @ {size:N0}: generating");
        var world = SyntheticOrganizations.Generate(size, Seed);
        Emulator.Configure();
        await using var azurite = await AzuriteProcess.StartAsync(cancellationToken);
        var service = new TableServiceClient(azurite.ConnectionString);
        var names = new TableNames("bench");
        foreach (var table in new[] { names.Organizations, names.UserIndex, names.DomainIndex, names.NameIndex, names.SubscriptionIndex })
        {
            await service.CreateTableIfNotExistsAsync(table, cancellationToken);
        }

        Log($"matching @ {size:N0}: loading {world.Organizations.Count:N0} organizations, {world.UserCount:N0} users");
        var loadStart = Stopwatch.GetTimestamp();
        var expected = world.Organizations.Count + world.UserCount + world.Organizations.Sum(o => o.Subscriptions.Count) + world.IndexEntityCount;
        var reported = 0;
        var progress = new SynchronousProgress(written =>
        {
            // A line per tenth of the entities, so a load of many minutes shows it is moving.
            var tenth = (int)Math.Min(10, 10L * written / expected);
            if (tenth > reported && Interlocked.Exchange(ref reported, tenth) < tenth)
            {
                Log($"matching @ {size:N0}: {written:N0} entities written after {Stopwatch.GetElapsedTime(loadStart).TotalSeconds:F0} s");
            }
        });
        var load = await new OrganizationBulkLoader(service, names, options.LoadConcurrency).LoadAsync(world.Organizations, progress, cancellationToken);
        var loadSeconds = Math.Round(Stopwatch.GetElapsedTime(loadStart).TotalSeconds, 1);
        var entities = load.OrganizationEntities + load.UserIndexEntities + load.DomainIndexEntities + load.NameIndexEntities;
        Log($"matching @ {size:N0}: loaded {entities:N0} entities in {load.Requests:N0} requests, {loadSeconds} s");

        int? problems = null;
        if (size <= options.ConsistencyCheckUpTo)
        {
            // The checker scans every table: fine at 1k, far too slow (and pointless) at 100k.
            var found = await new IndexConsistencyChecker(service, names).CheckAsync(cancellationToken);
            problems = found.Count;
            Log($"matching @ {size:N0}: consistency checker found {found.Count} problems{(found.Count > 0 ? ": " + string.Join(" | ", found.Take(5)) : string.Empty)}");
        }

        var store = new OrganizationStore(service, names);
        var time = new FixedTimeProvider(SyntheticOrganizations.Now);
        var matcher = new OrganizationMatcher(store, MatchingPolicy.Default, time);
        var naive = new NaiveMatcher(service, names, MatchingPolicy.Default, SyntheticOrganizations.Now);

        // Warm up connections, the JIT and Azurite with submissions that are not measured.
        foreach (var warm in world.Submissions(options.WarmUp, Seed + 1))
        {
            await matcher.MatchAsync(warm.ToSubmission(), cancellationToken);
        }

        var submissions = world.Submissions(options.Submissions, Seed + 2);
        var all = new Samples();
        var byKind = Enum.GetValues<SubmissionKind>().ToDictionary(k => k, _ => new Samples());
        var results = new List<MatchResult>(submissions.Count);
        var reads = new PointReads(service, names, world, Seed + 4);

        // Each submission is followed by one point read of each kind, so that both see the same machine: on a
        // busy machine the tail of a single point read is as long as the tail of a whole submission.
        foreach (var submission in submissions)
        {
            var parsed = submission.ToSubmission();
            var start = Stopwatch.GetTimestamp();
            var result = await matcher.MatchAsync(parsed, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            all.Add(elapsed);
            byKind[submission.Kind].Add(elapsed);
            results.Add(result);
            await reads.ReadOneOfEachAsync(cancellationToken);
        }

        Log($"matching @ {size:N0}: indexed p50 {all.Median} ms, p95 {all.Percentile(95)} ms, p99 {all.Percentile(99)} ms over {all.Count}");
        Log($"matching @ {size:N0}: point read median (p95) org row {reads.Organization.Median} ({reads.Organization.Percentile(95)}) ms, user index {reads.UserIndex.Median} ({reads.UserIndex.Percentile(95)}) ms, domain index {reads.DomainIndex.Median} ({reads.DomainIndex.Percentile(95)}) ms");
        CheckKinds(submissions, results);

        // How many summaries each submission read (the concurrent point reads after the two index reads).
        var summaryReads = new List<int>(submissions.Count);
        foreach (var submission in submissions)
        {
            summaryReads.Add(await CountSummaryReadsAsync(store, submission.ToSubmission(), cancellationToken));
        }

        var bySummaryReads = Enumerable.Range(0, submissions.Count)
            .GroupBy(i => summaryReads[i] switch { 0 => "0 summary reads", 1 => "1 summary read", <= 4 => "2-4 summary reads", _ => "5+ summary reads" })
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var samples = new Samples();
                foreach (var i in g)
                {
                    samples.Add(all[i]);
                }

                return new KindLatency(g.Key, samples.Count, samples.Median, samples.Percentile(95));
            })
            .ToList();
        var concurrent = await ConcurrentReadsAsync(service.GetTableClient(names.Organizations), world, cancellationToken);
        var connections = OpenConnections(azurite.TablePort);
        Log($"matching @ {size:N0}: {connections?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} connections open to the table endpoint; median ms for n concurrent point reads: {string.Join(", ", concurrent.Select(c => $"{c.Key}: {c.Value}"))}");

        var naiveSubmissions = submissions.Take(options.NaiveSubmissions).ToList();
        var naiveSamples = new Samples();
        var naiveMismatches = 0;
        foreach (var warm in world.Submissions(3, Seed + 3))
        {
            await naive.MatchAsync(warm.ToSubmission(), cancellationToken);
        }

        for (var i = 0; i < naiveSubmissions.Count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await naive.MatchAsync(naiveSubmissions[i].ToSubmission(), cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            naiveSamples.Add(elapsed);
            naiveMismatches += Same(result, results[i]) ? 0 : 1;
            if (options.Verbose)
            {
                Log($"  naive {i} {naiveSubmissions[i].Kind} '{naiveSubmissions[i].CompanyName}': {elapsed:F0} ms, {naive.LastQueries} queries, {naive.LastOrganizations} organizations");
            }
        }

        Log($"matching @ {size:N0}: naive p50 {naiveSamples.Median} ms, p95 {naiveSamples.Percentile(95)} ms over {naiveSamples.Count}, {naiveMismatches} differ from the indexed matcher");

        // The reference rules scan every organization in memory; check a sample against the indexed answers.
        var checkCount = Math.Min(submissions.Count, size >= 100_000 ? 60 : size >= 10_000 ? 200 : submissions.Count);
        var referenceMismatches = 0;
        for (var i = 0; i < checkCount; i++)
        {
            var reference = ReferenceMatcher.Match(submissions[i].ToSubmission(), world.Organizations, MatchingPolicy.Default, SyntheticOrganizations.Now);
            referenceMismatches += Same(reference, results[i]) ? 0 : 1;
        }

        Log($"matching @ {size:N0}: {referenceMismatches} of {checkCount} indexed answers differ from ReferenceMatcher");

        return new MatchingResult(
            size,
            all.Median,
            all.Percentile(95),
            all.Percentile(99),
            reads.Organization.Median,
            naiveSamples.Percentile(95),
            all.Count,
            naiveSamples.Median,
            naiveSamples.Count,
            reads.Organization.Percentile(95),
            reads.UserIndex.Median,
            reads.DomainIndex.Median,
            loadSeconds,
            world.UserCount,
            entities,
            load.Requests,
            problems,
            checkCount,
            referenceMismatches,
            naiveMismatches,
            Math.Round(summaryReads.Average(), 2),
            summaryReads.Max(),
            byKind.Select(k => new KindLatency(k.Key.ToString(), k.Value.Count, k.Value.Median, k.Value.Percentile(95))).ToList(),
            bySummaryReads,
            concurrent,
            connections);
    }

    // n point reads of organization rows started together, as the matcher starts its summary reads: if the
    // emulator served them in parallel, n would cost about what one costs.
    static async Task<IReadOnlyDictionary<string, double>> ConcurrentReadsAsync(TableClient organizations, SyntheticOrganizations world, CancellationToken cancellationToken)
    {
        var random = new Random(Seed + 5);
        var result = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var n in new[] { 1, 2, 4, 8, 16 })
        {
            var samples = new Samples();
            for (var rep = 0; rep < 60; rep++)
            {
                var keys = Enumerable.Range(0, n).Select(_ => world.Organizations[random.Next(world.Organizations.Count)].Id).ToList();
                await samples.TimeAsync(() => Task.WhenAll(keys.Select(id => organizations.GetEntityAsync<TableEntity>(OrganizationRows.PartitionKey(id), OrganizationRows.OrganizationRowKey(id), cancellationToken: cancellationToken))));
            }

            result[n.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)] = samples.Median;
        }

        return result;
    }

    // TCP connections open to the table endpoint (the SDK's pooled HttpClient keeps them alive between requests).
    static int? OpenConnections(int port)
    {
        try
        {
            var info = new ProcessStartInfo("ss", ["-tnH", "state", "established", $"dport = :{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var ss = Process.Start(info)!;
            var lines = ss.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            ss.WaitForExit();
            return lines.Length;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    // The number of summaries OrganizationMatcher reads for a submission, from the same two index reads it makes.
    static async Task<int> CountSummaryReadsAsync(OrganizationStore store, Submission submission, CancellationToken cancellationToken)
    {
        var memberships = await store.Indexes.GetMembershipsAsync(submission.AdminEmail.Value, cancellationToken);
        if (memberships.Any(m => m.IsFullAdmin))
        {
            return memberships.Count(m => m.IsFullAdmin);
        }

        var byDomain = await store.Indexes.GetByDomainAndKeyAsync(submission.AdminEmail.Domain, submission.NameKey, cancellationToken);
        var freeMail = MatchingPolicy.Default.FreeMailDomains.Contains(submission.AdminEmail.Domain);
        return memberships.Select(m => m.OrganizationId)
            .Concat(byDomain.Where(o => !freeMail || o.NormalizedName == submission.NormalizedName).Select(o => o.OrganizationId))
            .Distinct(StringComparer.Ordinal)
            .Count();
    }

    // The submissions must do what they were built for, or the mix is not what the results claim.
    static void CheckKinds(IReadOnlyList<BenchSubmission> submissions, List<MatchResult> results)
    {
        for (var i = 0; i < submissions.Count; i++)
        {
            var ok = submissions[i].Kind switch
            {
                SubmissionKind.RuleA => results[i].Kind is MatchKind.AdminOfOne or MatchKind.AdminOfSeveral,
                SubmissionKind.RuleB or SubmissionKind.ShortName => results[i].Kind == MatchKind.Candidates && results[i].Candidates.Count > 0,
                _ => results[i].Kind == MatchKind.Candidates && results[i].Candidates.Count == 0,
            };
            if (!ok)
            {
                throw new InvalidOperationException($"Submission {i} ({submissions[i].Kind}: '{submissions[i].CompanyName}', {submissions[i].AdminEmail}) matched as {results[i].Kind} with {results[i].Candidates.Count} candidates.");
            }
        }
    }

    static bool Same(MatchResult a, MatchResult b) =>
        a.Kind == b.Kind && a.Notice == b.Notice && a.Candidates.Select(Describe).SequenceEqual(b.Candidates.Select(Describe), StringComparer.Ordinal);

    static string Describe(Candidate c) => $"{c.OrganizationId}:{string.Join('+', c.MatchedBy)}:{c.Assessment}:{c.Users}:{c.ActiveSubscriptions}";

    static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    // Point reads of known entities: organization rows, user index and domain index entities of random organizations.
    sealed class PointReads(TableServiceClient service, TableNames names, SyntheticOrganizations world, int seed)
    {
        readonly Random random = new(seed);
        readonly TableClient organizations = service.GetTableClient(names.Organizations);
        readonly TableClient users = service.GetTableClient(names.UserIndex);
        readonly TableClient domains = service.GetTableClient(names.DomainIndex);

        public Samples Organization { get; } = new();

        public Samples UserIndex { get; } = new();

        public Samples DomainIndex { get; } = new();

        public async Task ReadOneOfEachAsync(CancellationToken cancellationToken)
        {
            var organization = world.Organizations[random.Next(world.Organizations.Count)];
            var (userEntities, domainEntities) = OrganizationBulkLoader.IndexEntities([organization]);
            var pk = OrganizationRows.PartitionKey(organization.Id);
            await Organization.TimeAsync(() => organizations.GetEntityAsync<TableEntity>(pk, OrganizationRows.OrganizationRowKey(organization.Id), cancellationToken: cancellationToken));
            if (userEntities.Count > 0)
            {
                var user = userEntities[random.Next(userEntities.Count)];
                await UserIndex.TimeAsync(() => users.GetEntityAsync<TableEntity>(user.PartitionKey, user.RowKey, cancellationToken: cancellationToken));
            }

            if (domainEntities.Count > 0)
            {
                var domain = domainEntities[random.Next(domainEntities.Count)];
                await DomainIndex.TimeAsync(() => domains.GetEntityAsync<TableEntity>(domain.PartitionKey, domain.RowKey, cancellationToken: cancellationToken));
            }
        }
    }

    // Progress<T> posts to the thread pool; this reports on the writer's thread, in order enough for a log.
    sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
