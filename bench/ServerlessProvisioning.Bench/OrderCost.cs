using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Bench;

/// <summary>
/// What one completed order costs in storage requests on one path, every client counted (Azurite's access log:
/// the product's tables, the Durable Task engine's queues, tables and blobs). The benchmark's own reads (the
/// mailbox it takes links from, the wizard state it polls) are counted apart and taken out, at what one of each
/// costs measured alone.
/// </summary>
/// <param name="Path">Which path: <c>newOrganization</c> or <c>approval</c>.</param>
/// <param name="Orders">How many orders were run, one at a time, each to its end.</param>
/// <param name="QueueMessages">Queue messages per order (queue puts).</param>
/// <param name="Work">Requests per order other than the engine's background: queue polling (gets and metadata), blob leases, management.</param>
/// <param name="PerOrder">Requests per order by kind.</param>
/// <param name="BenchReadsTakenOut">The benchmark's own status and mailbox reads made meanwhile, and what they cost, taken out.</param>
internal sealed record PathCost(string Path, int Orders, double QueueMessages, double Work, IReadOnlyDictionary<string, double> PerOrder, string BenchReadsTakenOut);

/// <summary>The storage an order costs, by path, and what the wizard's status read costs.</summary>
/// <param name="Paths">Each path's cost per completed order.</param>
/// <param name="StatusRead">Requests per <c>GET /api/wizard/{token}</c> by kind, of an order waiting for its choice.</param>
/// <param name="Method">How it was counted.</param>
internal sealed record StorageCost(IReadOnlyList<PathCost> Paths, IReadOnlyDictionary<string, double> StatusRead, string Method);

/// <summary>Counts the storage work of whole orders, one at a time, on the local host.</summary>
internal static class OrderCost
{
    static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);
    static readonly string[] FullAdmin = ["FullAdmin"];
    static readonly TimeSpan QuietDeadline = TimeSpan.FromMinutes(2);

    /// <summary>Organizations the approval path chooses, one per order, each with one full administrator who approves.</summary>
    public static IEnumerable<object> ApprovalOrganizations(int count) => Enumerable.Range(0, count).Select(i => new
    {
        id = ApprovalOrganizationId(i),
        name = $"{ApprovalName(i)} Appliances",
        type = "Customer",
        createdAt = "2020-01-01T00:00:00Z",
        users = new[] { new { email = $"owner@{ApprovalName(i).ToLowerInvariant()}.example", name = "Bench Owner", roles = FullAdmin } },
        subscriptions = new[] { new { id = $"sub-{ApprovalOrganizationId(i)}", status = "Active" } },
    });

    static string ApprovalOrganizationId(int i) => $"bench-approval-{i}";

    // A name of its own for each, so matching finds exactly that organization: "Zkkkl" … (no two share a 5-character key).
    static string ApprovalName(int i) => "Z" + string.Concat(i.ToString("D4", CultureInfo.InvariantCulture).Select(c => (char)('k' + (c - '0'))));

    public static async Task<StorageCost> MeasureAsync(LocalHostProcess server, MailboxWatcher mailbox, StorageLedger ledger, string run, int orders, CancellationToken cancellationToken)
    {
        // What the benchmark's own reads cost, each measured alone: the wizard state of an order waiting for its choice, and the mailbox.
        var waitingToken = await WizardBenchmark.InviteAsync(server, mailbox, $"bench-{run}-status", $"boss@bench-{run}-status.example", cancellationToken);
        await WizardBenchmark.SubmitAsync(server, waitingToken, $"Brand New bench-{run}-status", $"boss@bench-{run}-status.example", cancellationToken);
        var statusRead = await EachAsync(ledger, 20, () => server.Http.GetAsync($"/api/wizard/{waitingToken}", cancellationToken), cancellationToken);
        var mailboxRead = await EachAsync(ledger, 5, () => server.Http.GetAsync("/dev/mailbox", cancellationToken), cancellationToken);

        // One approval first, unmeasured (its code paths' JIT); the measured ones use organizations 0 … orders - 1.
        await ApprovalFlowAsync(server, mailbox, $"bench-{run}-approve-warm", orders, cancellationToken);

        var paths = new List<PathCost>
        {
            await PathAsync("newOrganization", orders, i => WizardBenchmark.FlowAsync(server, mailbox, $"bench-{run}-cost-{i}", cancellationToken)),
            await PathAsync("approval", orders, i => ApprovalFlowAsync(server, mailbox, $"bench-{run}-approve-{i}", i, cancellationToken)),
        };
        if (Environment.GetEnvironmentVariable("BENCH_HISTORY") is { Length: > 0 })
        {
            var history = new Azure.Data.Tables.TableClient(server.Azurite.ConnectionString, "benchHistory");
            foreach (var suffix in new[] { $"cost-0", "approve-0" })
            {
                var rows = history.Query<Azure.Data.Tables.TableEntity>(cancellationToken: cancellationToken).Where(e => e.PartitionKey.EndsWith(suffix, StringComparison.Ordinal)).OrderBy(e => e.Timestamp).ToList();
                Log($"history {suffix}: " + string.Join(", ", rows.Select(r => r.GetString("EventType") + (r.GetString("Name") is { } n ? ":" + n : string.Empty) + (r.GetBoolean("IsPlayed") == true ? "" : ""))));
            }
        }

        return new(paths, statusRead.Per(1), "Azurite's access log (every request it served, from every client), orders run one at a time after warm-up, each window closed when no request but polling came for 2 s");

        async Task<PathCost> PathAsync(string name, int count, Func<int, Task> flow)
        {
            await QuietAsync(ledger, cancellationToken);
            var (statusBefore, mailboxBefore) = (WizardBenchmark.StatusReads, mailbox.Reads);
            var before = ledger.Snapshot();
            var resourcesBefore = ledger.ByResource();
            for (var i = 0; i < count; i++)
            {
                StorageLedger.Dump?.WriteLine($"=== {name} {i}");
                await flow(i);
            }

            await QuietAsync(ledger, cancellationToken);
            var raw = ledger.Snapshot().Since(before);
            var where = ledger.ByResource()
                .Select(r => (r.Key, Count: (r.Value - resourcesBefore.GetValueOrDefault(r.Key)) / (double)count))
                .Where(r => r.Count > 0 && !r.Key.StartsWith("QueueGet", StringComparison.Ordinal))
                .OrderByDescending(r => r.Count)
                .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Count:0.#}"));
            Log($"storage: {name}: where, per order (the benchmark's own reads included): {string.Join(", ", where)}");
            var (statusReads, mailboxReads) = (WizardBenchmark.StatusReads - statusBefore, mailbox.Reads - mailboxBefore);
            var cost = raw.Less(statusRead, statusReads).Less(mailboxRead, mailboxReads);
            var perOrder = cost.Per(count);
            Log($"storage: {name}: {perOrder["queueMessages"]} queue messages and {perOrder["work"]} requests other than polling per order ({string.Join(", ", perOrder.Where(p => p.Value > 0).Select(p => $"{p.Key} {p.Value}"))})");
            return new(name, count, perOrder["queueMessages"], perOrder["work"], perOrder,
                string.Create(CultureInfo.InvariantCulture, $"{statusReads} status reads at {statusRead.Work} requests each, {mailboxReads} mailbox reads at {mailboxRead.Work} each"));
        }
    }

    // order → invitation → submission (the contact's own address at the organization's domain) → choose the existing organization → its admin approves → Completed.
    static async Task ApprovalFlowAsync(LocalHostProcess server, MailboxWatcher mailbox, string orderId, int i, CancellationToken cancellationToken)
    {
        var domain = ApprovalName(i).ToLowerInvariant() + ".example";
        var contact = $"buyer-{orderId}@{domain}";
        var token = await WizardBenchmark.InviteAsync(server, mailbox, orderId, contact, cancellationToken);
        await WizardBenchmark.SubmitAsync(server, token, $"{ApprovalName(i)} Appliances", contact, cancellationToken);
        var approval = mailbox.TokenAsync(orderId, EmailKind.ApprovalRequest, cancellationToken);
        var chosen = await WizardBenchmark.PostAsync(server, $"/api/wizard/{token}/choice", new { organizationId = ApprovalOrganizationId(i) }, cancellationToken);
        if (chosen.Stage != ProvisioningStage.AwaitingAdminApproval)
        {
            await WizardBenchmark.WaitForStageAsync(server, token, ProvisioningStage.AwaitingAdminApproval, pollMs: 250, cancellationToken);
        }

        var approvalToken = await approval.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        using (var decided = await server.Http.PostAsJsonAsync($"/api/approvals/{approvalToken}", new { decision = "approve" }, Json.Options, cancellationToken))
        {
            if (!decided.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The approval of {orderId} answered {(int)decided.StatusCode}: {await decided.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        await WizardBenchmark.WaitForStageAsync(server, token, ProvisioningStage.Completed, pollMs: 250, cancellationToken);
    }

    // Runs one read n times with nothing else going on; what one costs.
    static async Task<StorageCounts> EachAsync(StorageLedger ledger, int n, Func<Task<HttpResponseMessage>> read, CancellationToken cancellationToken)
    {
        await QuietAsync(ledger, cancellationToken);
        var before = ledger.Snapshot();
        for (var i = 0; i < n; i++)
        {
            using var response = await read();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}.");
            }
        }

        await QuietAsync(ledger, cancellationToken);
        return ledger.Snapshot().Since(before).Divide(n);
    }

    /// <summary>Waits until no request but the engine's background has come for <see cref="Quiet"/> (it has finished what it was doing).</summary>
    public static async Task QuietAsync(StorageLedger ledger, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(QuietDeadline.TotalSeconds * Stopwatch.Frequency);
        var last = ledger.Snapshot().Work;
        var since = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(since) < Quiet)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"Storage did not become quiet within {QuietDeadline}.");
            }

            await Task.Delay(100, cancellationToken);
            var now = ledger.Snapshot().Work;
            if (now != last)
            {
                (last, since) = (now, Stopwatch.GetTimestamp());
            }
        }
    }

    static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
