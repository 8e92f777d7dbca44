using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Reliability.Tests;

/// <summary>
/// The real local host as a process, seeded with samples/organizations.json, on an Azurite of its own, shared by
/// one test class; plus the HTTP moves a contact, an approver and an operator make, and direct reads of its tables.
/// </summary>
public class ReliabilityHost : IAsyncLifetime
{
    /// <summary>The table prefix the local host uses (the product's default).</summary>
    public static readonly TableNames Names = new(TableNames.DefaultPrefix);

    /// <summary>The link-token secret <see cref="DevServerProcess"/> gives the local host.</summary>
    public const string LinkTokenSecret = "e2e-link-token-secret-0123456789abcdef0123";

    /// <summary>How long a step may take on a loaded two-core machine before a test gives up.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(90);

    public DevServerProcess Server { get; private set; } = null!;

    protected virtual IDictionary<string, string> Settings => new Dictionary<string, string>();

    public static string SamplePath => Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "samples", "organizations.json");

    public static IReadOnlyList<Organization> SampleOrganizations { get; } = SeedFile.Parse(File.ReadAllText(SamplePath));

    /// <summary>Every email address of the sample organizations' users.</summary>
    public static IReadOnlyList<string> SampleEmails { get; } = SampleOrganizations.SelectMany(o => o.Users).Select(u => u.Email).Distinct().ToList();

    public TableServiceClient Tables => new(Server.Azurite.ConnectionString);

    public virtual async ValueTask InitializeAsync() => Server = await DevServerProcess.StartAsync(Settings, seed: SamplePath);

    public virtual async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    public static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    public static object Order(string orderId, string scenario = "CustomerSelf", string? contact = null) =>
        new { orderId, subscriptionId = "sub-" + orderId, provisioningContactEmail = contact ?? $"buyer.{orderId}@example.org", scenario, locale = "en" };

    /// <summary>Posts an order, waits for its invitation, returns the wizard token.</summary>
    public async Task<string> InviteAsync(string orderId, string scenario = "CustomerSelf", string? contact = null)
    {
        using var response = await Server.PostOrderAsync(Order(orderId, scenario, contact));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Invitation), "invitation of " + orderId, StepTimeout);
        return mail.First(m => m.Kind == EmailKind.Invitation).WizardToken!;
    }

    public Task<HttpResponseMessage> SubmitAsync(string token, string companyName, string adminEmail) =>
        Server.SubmitAsync(token, new { companyName, adminEmail });

    public Task<HttpResponseMessage> ChooseAsync(string token, string organizationId) =>
        Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId });

    public Task<HttpResponseMessage> CreateNewAsync(string token) =>
        Server.PostJsonAsync($"/api/wizard/{token}/choice", new { createNew = true });

    public Task<HttpResponseMessage> DecideAsync(string approvalToken, bool approve, string? comment = null) =>
        Server.PostJsonAsync($"/api/approvals/{approvalToken}", new { decision = approve ? "approve" : "reject", comment });

    public async Task<WizardState> WizardAsync(string token) =>
        (await Server.Http.GetFromJsonAsync<WizardState>($"/api/wizard/{token}", Json.Options))!;

    public Task<WizardState> WaitForStageAsync(string token, ProvisioningStage stage, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => WizardAsync(token), s => s.Stage == stage, timeout ?? StepTimeout, $"stage {stage}");

    public async Task<OrderView?> OrderAsync(string orderId)
    {
        using var response = await Server.OperatorGetAsync($"/api/orders/{orderId}");
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<OrderView>(Json.Options) : null;
    }

    public Task<OrderView?> WaitForOrderAsync(string orderId, Func<OrderView, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => OrderAsync(orderId), o => o is not null && done(o), timeout ?? StepTimeout, what);

    /// <summary>Waits until every order's workflow has completed; returns their views.</summary>
    public async Task<Dictionary<string, OrderView>> WaitForCompletionAsync(IEnumerable<string> orderIds, TimeSpan timeout)
    {
        var done = new Dictionary<string, OrderView>();
        var pending = orderIds.ToHashSet();
        await Eventually.WaitAsync(
            async () =>
            {
                foreach (var id in pending.ToList())
                {
                    if (await OrderAsync(id) is { RuntimeStatus: "Completed" } view && view.Audit.Any(a => a.Action == "OutcomeSent"))
                    {
                        done[id] = view;
                        pending.Remove(id);
                    }
                }

                return pending.Count;
            },
            count => count == 0,
            timeout,
            "every order to complete");
        return done;
    }

    public async Task<HttpResponseMessage> OperatorPostAsync(string path, object? body, string key = DevServerProcess.OperatorKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, options: Json.Options) };
        request.Headers.Add("x-functions-key", key);
        return await Server.Http.SendAsync(request);
    }

    /// <summary>The approval token an approver got for an order.</summary>
    public async Task<string> ApprovalTokenAsync(string orderId, string approver)
    {
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest && x.To == approver), $"approval request to {approver}", StepTimeout);
        return mail.First(x => x.Kind == EmailKind.ApprovalRequest && x.To == approver).ApprovalToken!;
    }

    /// <summary>Brings an order to AwaitingAdminApproval at <paramref name="organizationId"/>: submission, then choice.</summary>
    public async Task<string> ToApprovalAsync(string orderId, string token, string companyName, string adminEmail, string organizationId)
    {
        using var submitted = await SubmitAsync(token, companyName, adminEmail);
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        await WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);
        using var chosen = await ChooseAsync(token, organizationId);
        Assert.True(chosen.IsSuccessStatusCode, await chosen.Content.ReadAsStringAsync());
        await WaitForStageAsync(token, ProvisioningStage.AwaitingAdminApproval);
        return orderId;
    }

    /// <summary>Every entity of a table (all properties).</summary>
    public async Task<List<TableEntity>> RowsAsync(string table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Tables.GetTableClient(table).QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The durable task hub's history table (each local host has one task hub on its own Azurite).</summary>
    public async Task<string> HistoryTableAsync()
    {
        await foreach (var table in Tables.QueryAsync())
        {
            if (table.Name.EndsWith("History", StringComparison.Ordinal))
            {
                return table.Name;
            }
        }

        throw new InvalidOperationException("No task hub history table.");
    }

    /// <summary>How many times a workflow was started: ExecutionStarted events in its history.</summary>
    public async Task<int> ExecutionsStartedAsync(string orderId)
    {
        var history = Tables.GetTableClient(await HistoryTableAsync());
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {InstanceIds.ForOrder(orderId)} and EventType eq {"ExecutionStarted"}");
        var count = 0;
        await foreach (var unused in history.QueryAsync<TableEntity>(filter, select: ["PartitionKey"]))
        {
            count++;
        }

        return count;
    }

    /// <summary>Every organization as stored now, assembled from its rows.</summary>
    public async Task<IReadOnlyList<Organization>> StoredOrganizationsAsync() =>
        (await RowsAsync(Names.Organizations)).GroupBy(r => r.PartitionKey).Select(g => OrganizationRows.Assemble(g)).OfType<Organization>().ToList();

    /// <summary>The index consistency checker over the local host's tables.</summary>
    public Task<IReadOnlyList<string>> CheckIndexesAsync() =>
        new IndexConsistencyChecker(Tables, Names).CheckAsync(CancellationToken.None);

    /// <summary>Emails whose (kind, recipient) appear more than once within their order.</summary>
    public static List<string> DoubledEmails(IEnumerable<MailboxEntry> mail) =>
        mail.GroupBy(m => (m.OrderId, m.Kind, To: m.To.ToLowerInvariant())).Where(g => g.Count() > 1).Select(g => $"{g.Key.OrderId}: {g.Count()}× {g.Key.Kind} to {g.Key.To}").ToList();

    public static async Task AssertProblemAsync(HttpResponseMessage response, params HttpStatusCode[] statuses)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(statuses.Contains(response.StatusCode), $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal((int)response.StatusCode, problem.RootElement.GetProperty("status").GetInt32());
    }

    /// <summary>A line for the run's summary (docs/reliability.md copies the figures).</summary>
    public static void Report(string line) => TestContext.Current.SendDiagnosticMessage("RELIABILITY " + line);
}
