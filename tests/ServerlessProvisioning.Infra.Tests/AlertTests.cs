using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// The alerts of docs/operations.md exist, reach the action group, and query only what the code logs: every event name
/// a query or a workbook tile compares with is one the code logs (<see cref="LogEvents"/>, or the Durable Task storage
/// engine's own), and every property it reads is a placeholder of that event's message template.
/// </summary>
public sealed partial class AlertTests(InfraFixture infra)
{
    const string AlertRules = "Microsoft.Insights/scheduledQueryRules";

    /// <summary>Each alert of the issue and the runbook, and what its query must read.</summary>
    public static TheoryData<string, string[]> Alerts { get; } = new()
    {
        { "order-failed", ["OrderFinished"] },
        { "poison-message", ["PoisonMessageDetected"] },
        { "server-errors", ["AppRequests"] },
        { "webhook-rejections", ["WebhookSignatureRejected"] },
        { "retention-purge-missing", ["RetentionPurgeCompleted"] },
        { "email-trouble", ["EmailThrottled", "EmailSendFailed", "EmailAccepted"] },
    };

    // The Durable Task storage engine's warning when it sets a message aside; it is logged by the Functions host.
    const string PoisonMessageDetected = "PoisonMessageDetected";

    static readonly IReadOnlyDictionary<string, EventId> AppEvents = typeof(LogEvents)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(EventId))
        .Select(f => (EventId)f.GetValue(null)!)
        .ToDictionary(e => e.Name!, StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Alerts))]
    public async Task Alert_exists_notifies_the_action_group_and_reads_its_events(string alert, string[] reads)
    {
        var snapshot = await infra.WithEveryOptionAsync();
        var group = snapshot.Only("Microsoft.Insights/actionGroups");

        var rule = Assert.Single(snapshot.OfType(AlertRules), r => r.StringAt("name")!.EndsWith($"-{alert}", StringComparison.Ordinal));

        Assert.True(rule.BoolAt("properties.enabled"));
        Assert.Equal([group.StringAt("id")], rule.At("properties.actions.actionGroups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal([snapshot.Only("Microsoft.OperationalInsights/workspaces").StringAt("id")], rule.At("properties.scopes").EnumerateArray().Select(s => s.GetString()));
        var query = Query(rule);
        // An event is read by name ("OrderFinished"); a platform table by its own.
        Assert.All(reads, name => Assert.Contains(name == "AppRequests" ? name : $"\"{name}\"", query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Alerts_mail_the_address_given()
    {
        var snapshot = await infra.WithEveryOptionAsync();

        var receiver = Assert.Single(snapshot.Only("Microsoft.Insights/actionGroups").At("properties.emailReceivers").EnumerateArray());

        Assert.Equal(InfraFixture.AlertEmail, receiver.StringAt("emailAddress"));
        Assert.Equal(Alerts.Count, snapshot.OfType(AlertRules).Count);
    }

    [Fact]
    public async Task Without_an_address_the_alerts_still_exist_and_no_action_group_is_made()
    {
        var snapshot = await infra.WithDefaultsAsync();

        Assert.Empty(snapshot.OfType("Microsoft.Insights/actionGroups"));
        Assert.Equal(Alerts.Count, snapshot.OfType(AlertRules).Count);
        Assert.All(snapshot.OfType(AlertRules), r => Assert.Empty(r.At("properties.actions.actionGroups").EnumerateArray()));
    }

    [Fact]
    public async Task Every_query_reads_events_and_properties_the_code_logs()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var queries = snapshot.OfType(AlertRules).Select(r => (Where: r.StringAt("name")!, Query: Query(r)))
            .Concat(WorkbookQueries(snapshot).Select((q, i) => (Where: $"workbook tile {i}", Query: q)))
            .ToList();
        var placeholders = AppEvents.Keys.ToDictionary(name => name, PlaceholdersOf, StringComparer.Ordinal);
        var engineFields = EngineEventFields(PoisonMessageDetected);

        var problems = new List<string>();
        foreach (var (where, query) in queries)
        {
            var events = EventNamesIn(query);
            if (events.Count == 0 && !query.Contains("AppRequests", StringComparison.Ordinal) && !query.Contains("ACSEmail", StringComparison.Ordinal))
            {
                problems.Add($"{where}: reads no log event and no platform table");
            }

            problems.AddRange(events.Where(e => !AppEvents.ContainsKey(e) && e != PoisonMessageDetected).Select(e => $"{where}: event \"{e}\" is logged nowhere"));
            var known = events.SelectMany(e => e == PoisonMessageDetected ? engineFields : (IEnumerable<string>)placeholders.GetValueOrDefault(e, [])).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(PropertiesIn(query).Where(p => p != "EventName" && !known.Contains(p))
                .Select(p => $"{where}: Properties.{p} is not a placeholder of {string.Join(" or ", events)}"));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_log_event_is_logged_by_the_code()
    {
        var source = SourceFiles().Where(f => Path.GetFileName(f) != "LogEvents.cs").Select(File.ReadAllText).ToList();

        Assert.All(AppEvents.Keys, name => Assert.True(source.Any(text => text.Contains($"LogEvents.{name},", StringComparison.Ordinal)), $"LogEvents.{name} is declared but logged nowhere in src/"));
        Assert.Equal(AppEvents.Count, AppEvents.Values.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public void The_engine_logs_PoisonMessageDetected_with_its_instance()
    {
        // The name and the fields come from the DurableTask.AzureStorage both hosts run (Directory.Packages.props).
        Assert.Contains("InstanceId", EngineEventFields(PoisonMessageDetected));
    }

    [Fact]
    public async Task Email_vault_and_host_send_their_logs_to_the_workspace()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var workspace = snapshot.Only("Microsoft.OperationalInsights/workspaces");

        var expected = new Dictionary<string, string[]>
        {
            ["Microsoft.Communication/communicationServices"] = ["EmailSendMailOperational", "EmailStatusUpdateOperational", "EmailUserEngagementOperational"],
            ["Microsoft.KeyVault/vaults"] = ["AuditEvent"],
            ["Microsoft.Web/sites"] = ["FunctionAppLogs"],
        };
        foreach (var (type, categories) in expected)
        {
            var target = snapshot.Only(type).StringAt("id")!;
            var setting = Assert.Single(snapshot.OfType("Microsoft.Insights/diagnosticSettings"), s => s.StringAt("id")!.StartsWith(target + "/providers/", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(workspace.StringAt("id"), setting.StringAt("properties.workspaceId"));
            Assert.Equal(categories, setting.At("properties.logs").EnumerateArray().Where(l => l.BoolAt("enabled")).Select(l => l.StringAt("category")));
        }
    }

    [Fact]
    public async Task Logs_are_kept_90_days_by_default()
    {
        var snapshot = await infra.WithDefaultsAsync();

        Assert.Equal(90, snapshot.Only("Microsoft.OperationalInsights/workspaces").At("properties.retentionInDays").GetInt32());
        Assert.Equal(snapshot.Only("Microsoft.OperationalInsights/workspaces").StringAt("id"), snapshot.Only("Microsoft.Insights/components").StringAt("properties.WorkspaceResourceId"));
    }

    [Fact]
    public async Task The_workbook_charts_endings_orders_not_ended_time_to_ending_failures_and_email()
    {
        var snapshot = await infra.WithDefaultsAsync();

        var queries = WorkbookQueries(snapshot);

        Assert.Contains(queries, q => q.Contains("\"OrderFinished\"", StringComparison.Ordinal) && q.Contains("Properties.Stage", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("\"OrderReceived\"", StringComparison.Ordinal) && q.Contains("join kind=inner", StringComparison.Ordinal));
        // The orders not ended, beside the endings: the app logs no stage in between, so the tile says only that.
        Assert.Contains(queries, q => q.Contains("\"OrderReceived\"", StringComparison.Ordinal) && q.Contains("join kind=leftanti", StringComparison.Ordinal) && q.Contains("\"OrderFinished\"", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("\"Failed\"", StringComparison.Ordinal) && q.Contains("\"PoisonMessageDetected\"", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("ACSEmailStatusUpdateOperational", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("\"EmailAccepted\"", StringComparison.Ordinal));
    }

    static string Query(JsonElement rule) => Assert.Single(rule.At("properties.criteria.allOf").EnumerateArray()).StringAt("query")!;

    static List<string> WorkbookQueries(Snapshot snapshot)
    {
        using var content = JsonDocument.Parse(snapshot.Only("Microsoft.Insights/workbooks").StringAt("properties.serializedData")!);
        return [.. content.RootElement.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("type").GetInt32() == 3)
            .Select(i => i.GetProperty("content").GetProperty("query").GetString()!)];
    }

    // Event names compared with Properties.EventName / EventName: == "X" and in ("X", "Y").
    static List<string> EventNamesIn(string query) =>
        [.. EventNameComparison().Matches(query)
            .SelectMany(m => Literal().Matches(m.Groups["names"].Value).Select(l => l.Groups[1].Value))
            .Distinct(StringComparer.Ordinal)];

    static IEnumerable<string> PropertiesIn(string query) =>
        PropertyAccess().Matches(query).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal);

    // The placeholders of the message templates logged with LogEvents.<name> anywhere in src/.
    static string[] PlaceholdersOf(string name) =>
        [.. SourceFiles().Select(File.ReadAllText)
            .SelectMany(text => Regex.Matches(text, $@"LogEvents\.{name},\s*""(?<template>[^""]*)""").Select(m => m.Groups["template"].Value))
            .SelectMany(template => Placeholder().Matches(template).Select(p => p.Groups[1].Value))
            .Distinct(StringComparer.Ordinal)];

    static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(BicepCli.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    // The structured fields of one of the engine's log events: the properties of its nested class LogEvents.<name>.
    static HashSet<string> EngineEventFields(string name)
    {
        var path = typeof(AlertTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DurableTaskAzureStorage").Value!;
        Assert.True(File.Exists(path), $"{path} is missing; `dotnet restore` restores it from NuGet.");
        using var pe = new PEReader(File.OpenRead(path));
        var reader = pe.GetMetadataReader();
        var type = reader.TypeDefinitions.Select(reader.GetTypeDefinition)
            .Where(t => t.IsNested && reader.GetString(t.Name) == name)
            .Where(t => reader.GetString(reader.GetTypeDefinition(t.GetDeclaringType()).Name) == "LogEvents")
            .ToList();
        Assert.True(type.Count == 1, $"DurableTask.AzureStorage has no log event {name} (found {type.Count}).");
        return [.. type[0].GetProperties().Select(p => reader.GetString(reader.GetPropertyDefinition(p).Name))];
    }

    [GeneratedRegex(@"EventName\)?\s*(?:==\s*(?<names>""[^""]*"")|in\s*\((?<names>[^)]*)\))")]
    private static partial Regex EventNameComparison();

    [GeneratedRegex(@"""([^""]*)""")]
    private static partial Regex Literal();

    [GeneratedRegex(@"Properties\.(\w+)")]
    private static partial Regex PropertyAccess();

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
