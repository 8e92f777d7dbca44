using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Reliability.Tests;

/// <summary>
/// A local host with one workflow waiting at each stage a hostile request could aim at: the wizard (a wizard token),
/// the organization choice (another), the approval (an approval token). Only the corpus runs against it, one case at
/// a time, so anything written during a case is that case's doing.
/// </summary>
public sealed class CorpusHost : ReliabilityHost
{
    public Dictionary<string, string> Values { get; } = [];

    /// <summary>The instances whose state no case may change, by order id.</summary>
    public IReadOnlyList<string> Orders { get; private set; } = [];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var wizard = NewId("corpus-wizard");
        var choice = NewId("corpus-choice");
        var approval = NewId("corpus-approval");
        var tokens = await Task.WhenAll(InviteAsync(wizard), InviteAsync(choice), InviteAsync(approval));
        await Task.WhenAll(
            ToChoiceAsync(tokens[1], $"chooser.{choice}@contoso.com"),
            ToApprovalAsync(approval, tokens[2], "Contoso", $"requested.{approval}@contoso.com", "org-contoso"));
        Values["wizardToken"] = tokens[0];
        Values["choiceToken"] = tokens[1];
        Values["approvalOrderWizardToken"] = tokens[2];
        Values["approvalToken"] = await ApprovalTokenAsync(approval, "megan@contoso.com");
        Values["orderId"] = wizard;
        Values["choiceOrderId"] = choice;
        Values["approvalOrderId"] = approval;
        Orders = [wizard, choice, approval];

        // The workflows' last writes (progress rows, index entries) must be done before the first snapshot.
        await Eventually.WaitAsync(
            async () =>
            {
                var rows = await RowsAsync(Names.Orders);
                return Orders.All(id => rows.Any(r => r.RowKey == "order" && r.GetString("OrderId") == id && IsIndexedUnderItsStage(r)));
            },
            settled => settled,
            StepTimeout,
            "the set-up orders' progress to be recorded");
    }

    // The order row names the index entries it has ([[PartitionKey, RowKey], …]); one of them is its stage's.
    static bool IsIndexedUnderItsStage(TableEntity row) =>
        row.GetString("IndexedKeys") is { Length: > 0 } keys && keys.Contains($"[\"{row.GetString("Stage")}\",", StringComparison.Ordinal);

    async Task ToChoiceAsync(string token, string adminEmail)
    {
        using var submitted = await SubmitAsync(token, "Contoso", adminEmail);
        Assert.True(submitted.IsSuccessStatusCode);
        await WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);
    }

    /// <summary>Every row of every product table, as (table, keys, ETag): any insert, update or delete changes it.</summary>
    public async Task<SortedSet<string>> SnapshotAsync()
    {
        var rows = await Task.WhenAll(Names.All.Select(async table =>
        {
            var keys = new List<string>();
            await foreach (var row in Tables.GetTableClient(table).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
            {
                keys.Add($"{table}|{row.PartitionKey}|{row.RowKey}|{row.ETag}");
            }

            return keys;
        }));
        return new SortedSet<string>(rows.SelectMany(r => r), StringComparer.Ordinal);
    }

    /// <summary>The workflows' custom status (stage, step, candidates…) as the durable store holds it.</summary>
    public async Task<Dictionary<string, string>> WorkflowStatesAsync()
    {
        string? instances = null;
        await foreach (var table in Tables.QueryAsync())
        {
            instances = table.Name.EndsWith("Instances", StringComparison.Ordinal) ? table.Name : instances;
        }

        var states = new Dictionary<string, string>();
        foreach (var id in Orders)
        {
            var row = await Tables.GetTableClient(instances!).GetEntityAsync<TableEntity>(InstanceIds.ForOrder(id), string.Empty);
            states[id] = $"{row.Value.GetString("RuntimeStatus")} {row.Value.GetString("CustomStatus")}";
        }

        return states;
    }
}

/// <summary>
/// Corpus/hostile-inputs.json on every endpoint: each case gets a 4xx problem+json (never a 5xx, never a stack trace),
/// writes nothing to any product table, and leaves the waiting workflows at their stage and step.
/// </summary>
public class HostileInputTests(CorpusHost host) : IClassFixture<CorpusHost>
{
    public static IEnumerable<TheoryDataRow<string, string>> Cases() => HostileCorpus.Rows();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_hostile_request_gets_a_4xx_problem_and_changes_nothing(string name, string route)
    {
        var hostile = HostileCorpus.Find(name);
        var before = await host.SnapshotAsync();
        var workflows = await host.WorkflowStatesAsync();
        using var request = HostileCorpus.Build(hostile, route, host.Values);
        Assert.DoesNotMatch(@"\{[A-Za-z]+(:[a-z]+)?\}", request.RequestUri!.OriginalString + (request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync()));

        using var response = await host.Server.Http.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.True(hostile.Expect.Contains(status), $"{name} on {route}: {status}, expected {string.Join(" or ", hostile.Expect)}: {body}");
        if (hostile.ProblemJson)
        {
            Assert.Equal("application/problem+json", HostileCorpus.MediaType(response));
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        }

        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.Equal(before, await host.SnapshotAsync());
        Assert.Equal(workflows, await host.WorkflowStatesAsync());
    }

    [Fact]
    public void The_corpus_has_at_least_100_cases_and_reaches_every_endpoint()
    {
        var rows = HostileCorpus.Cases.SelectMany(c => c.Routes.Select(r => (c.Method, Route: Template(r)))).ToList();
        var endpoints = rows.Distinct().ToList();

        Assert.True(HostileCorpus.Cases.Count >= 100, $"{HostileCorpus.Cases.Count} cases");
        foreach (var route in Hosting.ApiEndpoints.All)
        {
            Assert.True(endpoints.Any(e => e.Method == route.Method && e.Route == "/api/" + route.Template), $"no hostile case for {route.Method} /api/{route.Template}");
        }

        ReliabilityHost.Report($"corpus: {HostileCorpus.Cases.Count} cases, {rows.Count} requests over {Hosting.ApiEndpoints.All.Count} endpoints " +
            $"({string.Join(", ", rows.GroupBy(r => $"{r.Method} {r.Route}").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))})");
    }

    // The route template a concrete corpus path exercises.
    static string Template(string path)
    {
        var clean = path.Split('?')[0];
        var parts = clean.Split('/');
        if (parts.Length >= 4 && parts[2] == "orders")
        {
            parts[3] = "{orderId}";
        }
        else if (parts.Length >= 4 && parts[2] is "wizard" or "approvals" && !(parts.Length == 4 && parts[3] is "submission" or "verification" or "choice" or "withdrawal" or "restart"))
        {
            parts[3] = "{token}";
        }
        else if (parts.Length >= 4 && parts[2] == "organizations" && parts[3] is not ("import" or "export"))
        {
            parts[3] = "{organizationId}";
        }

        return string.Join('/', parts);
    }

    [Fact]
    public async Task The_set_up_workflows_wait_where_the_corpus_expects_them()
    {
        Assert.Equal(ProvisioningStage.InvitationSent, (await host.WizardAsync(host.Values["wizardToken"])).Stage);
        Assert.Equal(ProvisioningStage.AwaitingOrganizationChoice, (await host.WizardAsync(host.Values["choiceToken"])).Stage);
        Assert.Equal(ProvisioningStage.AwaitingAdminApproval, (await host.WizardAsync(host.Values["approvalOrderWizardToken"])).Stage);
        using var approval = await host.Server.Http.GetAsync($"/api/approvals/{host.Values["approvalToken"]}");
        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
        var mail = await host.Server.MailAsync();
        Assert.Equal(3, mail.Count(m => m.Kind == EmailKind.Invitation && host.Orders.Contains(m.OrderId)));
        Assert.Single(mail, m => m.Kind == EmailKind.ApprovalRequest && m.OrderId == host.Values["approvalOrderId"]);
    }
}
