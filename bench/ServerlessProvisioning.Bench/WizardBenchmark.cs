using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Bench;

/// <summary>What the local host measured; p50Ms/p95Ms are the results file's contract.</summary>
internal sealed record WizardResult(
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    int RoundTrips,
    int AnsweredWith202,
    int ThroughputWorkflows,
    int InFlight,
    double ThroughputSeconds,
    double WorkflowsPerSecond,
    double FlowP50Ms,
    double FlowP95Ms,
    double? AzuriteCores,
    double? LocalHostCores,
    double BenchCores,
    StorageCost Storage,
    BurstResult? Burst);

/// <summary>
/// The wizard on the real local host (a separate process: Durable Task Azure Storage provider on Azurite, the
/// sample organizations): submission-to-candidates round trips one at a time, then whole flows 50 at a time.
/// </summary>
internal static class WizardBenchmark
{
    static readonly TimeSpan FlowTimeout = TimeSpan.FromMinutes(5);
    static int statusReads;

    /// <summary>How many times the benchmark has read a wizard state while waiting for a stage (storage work of its own, not an order's).</summary>
    public static int StatusReads => Volatile.Read(ref statusReads);

    // The secret the benchmark's orders are signed with; the host generates the other keys it needs.
    const string WebhookSecret = "bench-webhook-secret-0123456789abcdef";

    public static async Task<WizardResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var samples = Path.Combine(AzuriteProcess.FindRepositoryRoot() ?? throw new InvalidOperationException("Repository root not found."), "samples", "organizations.json");
        var seed = await SeedAsync(samples, options.CostOrders + 1, cancellationToken);
        Log("wizard: starting the local host");

        Emulator.Configure();
        await using var server = await StartHostAsync(seed);
        File.Delete(seed);
        var ledger = new StorageLedger();
        server.Azurite.OutputLine += ledger.Observe;
        await using var mailbox = new MailboxWatcher(server);
        var run = Guid.NewGuid().ToString("N")[..6];

        // Warm-up: a few whole flows, so neither the JIT nor idle queue back-off is measured.
        for (var i = 0; i < options.WizardWarmUp; i++)
        {
            await FlowAsync(server, mailbox, $"bench-{run}-warm-{i}", cancellationToken);
        }

        // What an order costs in storage, every client counted, before anything runs beside it.
        var storage = await OrderCost.MeasureAsync(server, mailbox, ledger, run, options.CostOrders, cancellationToken);

        var roundTrips = new Samples();
        var accepted = 0;
        for (var i = 0; i < options.RoundTrips; i++)
        {
            var orderId = $"bench-{run}-rt-{i}";

            // Alternate a Rule B search over the sample organizations (three Acme candidates) and a miss. The contact
            // names their own address as the admin, which the invitation link proves: no code step, so the time
            // measured is the submission's and matching's.
            var (company, admin) = i % 2 == 0 ? ("Acme Ltd", $"{orderId}@acme.com") : ("Brand New " + orderId, $"boss@{orderId}.example");
            var token = await InviteAsync(server, mailbox, orderId, admin, cancellationToken);
            object body = new { companyName = company, adminEmail = admin };
            var start = Stopwatch.GetTimestamp();
            using (var response = await PostJsonAsync(server, $"/api/wizard/{token}/submission", body))
            {
                var state = await ReadStateAsync(response, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    accepted++;
                }

                if (state.Stage != ProvisioningStage.AwaitingOrganizationChoice)
                {
                    await WaitForStageAsync(server, token, ProvisioningStage.AwaitingOrganizationChoice, pollMs: 20, cancellationToken);
                }
            }

            roundTrips.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        Log($"wizard: round trip p50 {roundTrips.Median} ms, p95 {roundTrips.Percentile(95)} ms over {roundTrips.Count} ({accepted} answered 202)");

        // Throughput: whole flows with a fixed number in flight; completions divided by wall time. The CPU the
        // emulator, the local host and this process use meanwhile says which of them bounds it.
        var azuritePid = ProcessCpu.ListeningOn(server.Azurite.TablePort);
        var hostPid = ProcessCpu.ListeningOn(server.Port);
        var (azuriteBefore, hostBefore, benchBefore) = (ProcessCpu.Seconds(azuritePid), ProcessCpu.Seconds(hostPid), Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
        var flows = new Samples();
        var gate = new SemaphoreSlim(options.InFlight);
        var throughputStart = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, options.ThroughputWorkflows).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var start = Stopwatch.GetTimestamp();
                await FlowAsync(server, mailbox, $"bench-{run}-tp-{i}", cancellationToken);
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                lock (flows)
                {
                    flows.Add(elapsed);
                }
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks);
        var seconds = Stopwatch.GetElapsedTime(throughputStart).TotalSeconds;
        var perSecond = Math.Round(options.ThroughputWorkflows / seconds, 2);
        var azuriteCores = Cores(azuriteBefore, ProcessCpu.Seconds(azuritePid), seconds);
        var hostCores = Cores(hostBefore, ProcessCpu.Seconds(hostPid), seconds);
        var benchCores = Cores(benchBefore, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, seconds)!.Value;
        Log($"wizard: {options.ThroughputWorkflows} workflows with {options.InFlight} in flight in {seconds:F1} s = {perSecond} per second (flow p50 {flows.Median} ms, p95 {flows.Percentile(95)} ms)");
        Log($"wizard: CPU meanwhile, in cores: Azurite {azuriteCores?.ToString(CultureInfo.InvariantCulture) ?? "?"}, local host {hostCores?.ToString(CultureInfo.InvariantCulture) ?? "?"}, benchmark {benchCores.ToString(CultureInfo.InvariantCulture)}");

        var burst = options.BurstOrders > 0 ? await Burst.RunAsync(server, run, options.BurstOrders, cancellationToken) : null;

        return new WizardResult(
            roundTrips.Median,
            roundTrips.Percentile(95),
            roundTrips.Percentile(99),
            roundTrips.Percentile(100),
            roundTrips.Count,
            accepted,
            options.ThroughputWorkflows,
            options.InFlight,
            Math.Round(seconds, 1),
            perSecond,
            flows.Median,
            flows.Percentile(95),
            azuriteCores,
            hostCores,
            benchCores,
            storage,
            burst);
    }

    // The sample organizations, and one organization per approval the cost measurement runs (each with an admin of its own).
    static async Task<string> SeedAsync(string samples, int approvalOrganizations, CancellationToken cancellationToken)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(samples, cancellationToken))!.AsObject();
        var organizations = document["organizations"]!.AsArray();
        foreach (var organization in OrderCost.ApprovalOrganizations(approvalOrganizations))
        {
            organizations.Add(JsonSerializer.SerializeToNode(organization));
        }

        var path = Path.Combine(Path.GetTempPath(), $"bench-seed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, document.ToJsonString(), cancellationToken);
        return path;
    }

    // The local host as a process on an Azurite of its own, logging only warnings, as a developer would run it.
    static async Task<LocalHostProcess> StartHostAsync(string seed)
    {
        var azurite = await AzuriteProcess.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Provisioning__OrderWebhookSecret"] = WebhookSecret,
            ["TASKHUB_NAME"] = "bench",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        return await LocalHostProcess.StartAsync(settings, azurite, ownsAzurite: true, seed);
    }

    static Task<HttpResponseMessage> PostJsonAsync(LocalHostProcess server, string path, object body) => server.Http.PostAsJsonAsync(path, body, Json.Options);

    // As the order system posts it: signed with the webhook secret.
    internal static async Task<HttpResponseMessage> PostOrderAsync(LocalHostProcess server, object order)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(order, Json.Options);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, WebhookSecret, DateTimeOffset.UtcNow));
        return await server.Http.SendAsync(request);
    }

    static double? Cores(double? before, double? after, double wallSeconds) =>
        before is { } b && after is { } a ? Math.Round((a - b) / wallSeconds, 2) : null;

    // A whole provisioning: order → invitation (token from the mailbox) → submission → create new → completed.
    internal static async Task FlowAsync(LocalHostProcess server, MailboxWatcher mailbox, string orderId, CancellationToken cancellationToken)
    {
        var token = await InviteAsync(server, mailbox, orderId, $"boss@{orderId}.example", cancellationToken);
        await SubmitAsync(server, token, "Brand New " + orderId, $"boss@{orderId}.example", cancellationToken);
        if ((await PostAsync(server, $"/api/wizard/{token}/choice", new { createNew = true }, cancellationToken)).Stage != ProvisioningStage.Completed)
        {
            await WaitForStageAsync(server, token, ProvisioningStage.Completed, pollMs: 250, cancellationToken);
        }
    }

    /// <summary>Submits the wizard's form and waits until the contact may choose.</summary>
    internal static async Task SubmitAsync(LocalHostProcess server, string token, string company, string admin, CancellationToken cancellationToken)
    {
        if ((await PostAsync(server, $"/api/wizard/{token}/submission", new { companyName = company, adminEmail = admin }, cancellationToken)).Stage != ProvisioningStage.AwaitingOrganizationChoice)
        {
            await WaitForStageAsync(server, token, ProvisioningStage.AwaitingOrganizationChoice, pollMs: 250, cancellationToken);
        }
    }

    /// <summary>Posts a wizard command; the state it answered with.</summary>
    internal static async Task<WizardState> PostAsync(LocalHostProcess server, string path, object body, CancellationToken cancellationToken)
    {
        using var response = await PostJsonAsync(server, path, body);
        return await ReadStateAsync(response, cancellationToken);
    }

    internal static async Task<string> InviteAsync(LocalHostProcess server, MailboxWatcher mailbox, string orderId, string contact, CancellationToken cancellationToken)
    {
        var invitation = mailbox.WizardTokenAsync(orderId, cancellationToken);
        var order = new { orderId, subscriptionId = "sub-" + orderId, provisioningContactEmail = contact, scenario = "CustomerSelf", locale = "en" };
        using (var response = await PostOrderAsync(server, order))
        {
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"Order {orderId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        return await invitation.WaitAsync(FlowTimeout, cancellationToken);
    }

    static async Task<WizardState> ReadStateAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (await response.Content.ReadFromJsonAsync<WizardState>(Json.Options, cancellationToken))!;
    }

    internal static async Task WaitForStageAsync(LocalHostProcess server, string token, ProvisioningStage stage, int pollMs, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(FlowTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Interlocked.Increment(ref statusReads);
            var state = await server.Http.GetFromJsonAsync<WizardState>($"/api/wizard/{token}", Json.Options, cancellationToken);
            if (state!.Stage == stage)
            {
                return;
            }

            if (state.Stage.IsFinal() || Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"Waited for {stage}, the workflow is at {state.Stage}.");
            }

            await Task.Delay(pollMs, cancellationToken);
        }
    }

    static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

/// <summary>
/// Reads the local mailbox for every waiting flow at once. <c>GET /dev/mailbox?orderId=</c> reads the whole
/// mailbox on the server whatever the filter, so fifty flows each polling it would load the local host with
/// mailbox reads and the throughput would measure those; one reader twice a second does not.
/// </summary>
internal sealed class MailboxWatcher : IAsyncDisposable
{
    readonly LocalHostProcess server;
    readonly Dictionary<string, TaskCompletionSource<string>> waiting = new(StringComparer.Ordinal);
    readonly CancellationTokenSource stop = new();
    readonly Task loop;
    int reads;

    public MailboxWatcher(LocalHostProcess server)
    {
        this.server = server;
        loop = Task.Run(() => RunAsync(stop.Token));
    }

    /// <summary>How many times the mailbox was read: each read is storage work of the benchmark's, not of an order's.</summary>
    public int Reads => Volatile.Read(ref reads);

    public Task<string> WizardTokenAsync(string orderId, CancellationToken cancellationToken) => TokenAsync(orderId, EmailKind.Invitation, cancellationToken);

    /// <summary>The link token of the first email of <paramref name="kind"/> to reach the mailbox for an order from now on.</summary>
    public Task<string> TokenAsync(string orderId, EmailKind kind, CancellationToken cancellationToken)
    {
        var source = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (waiting)
        {
            waiting[Key(orderId, kind)] = source;
        }

        return source.Task.WaitAsync(cancellationToken);
    }

    static string Key(string orderId, EmailKind kind) => $"{kind}|{orderId}";

    async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            bool any;
            lock (waiting)
            {
                any = waiting.Count > 0;
            }

            if (any)
            {
                try
                {
                    foreach (var mail in await MailOldestFirstAsync())
                    {
                        TaskCompletionSource<string>? source = null;
                        lock (waiting)
                        {
                            var token = mail.WizardToken ?? mail.ApprovalToken;
                            if (token is not null && waiting.Remove(Key(mail.OrderId, mail.Kind), out var found))
                            {
                                source = found;
                            }
                        }

                        source?.TrySetResult(mail.WizardToken ?? mail.ApprovalToken!);
                    }
                }
                catch (HttpRequestException)
                {
                    // The next round tries again; a flow that never gets its invitation times out.
                }
            }

            await Task.Delay(any ? 500 : 20, CancellationToken.None);
        }
    }

    async Task<IEnumerable<MailboxEntry>> MailOldestFirstAsync()
    {
        Interlocked.Increment(ref reads);
        return Enumerable.Reverse((await server.Http.GetFromJsonAsync<List<MailboxEntry>>("/dev/mailbox", Json.Options))!);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
