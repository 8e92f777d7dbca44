using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.DurableTask;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Hosting;
using ServerlessProvisioning.Web;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>Both hosts expose the same routes and run the same orchestration and activities.</summary>
public class HostParityTests
{
    static readonly IReadOnlyList<Trigger> Triggers = FunctionsMetadata.Load();

    [Fact]
    public void Functions_declares_every_API_route_with_its_method_and_name()
    {
        var api = Triggers.Where(t => t.Type == "httpTrigger" && t.Route!.StartsWith("api/", StringComparison.Ordinal))
            .Select(t => $"{t.Name} {string.Join(',', t.Methods)} /{t.Route}")
            .Order();
        var expected = ApiEndpoints.All.Select(r => $"{r.Name} {r.Method} /api/{r.Template}").Order();

        Assert.Equal(expected, api);
    }

    [Fact]
    public void Every_trigger_but_the_event_routes_is_anonymous_to_the_Functions_host_and_the_worker_guards_exactly_the_operator_routes()
    {
        // A host key check (AuthorizationLevel.Function) would refuse a signed-in person before the worker saw them;
        // OperatorAccessMiddleware applies OperatorAccess instead, found by the trigger's name. Only the event routes
        // (an Event Grid webhook, which carries its function key as ?code=) keep the host's key check.
        var eventRoutes = ApiEndpoints.All.Where(r => r.TakesEventKey).Select(r => "api/" + r.Template).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(eventRoutes);
        Assert.All(Triggers.Where(t => t.Type == "httpTrigger"), t => Assert.Equal(eventRoutes.Contains(t.Route!) ? "Function" : "Anonymous", t.AuthLevel));
        var guarded = Triggers.Where(t => t.Type == "httpTrigger").Where(t => OperatorAccessMiddleware.IsOperatorFunction(Invocation(t.Name))).Select(t => t.Name).Order();

        Assert.Equal(ApiEndpoints.All.Where(r => r.IsOperatorRoute).Select(r => r.Name).Order(), guarded);
        Assert.DoesNotContain("PostOrder", guarded);
        Assert.DoesNotContain(guarded, name => name.Contains("Wizard", StringComparison.Ordinal) || name.Contains("Approval", StringComparison.Ordinal) && name != "RemindApprovers");
    }

    static Microsoft.Azure.Functions.Worker.FunctionContext Invocation(string name)
    {
        var definition = new Moq.Mock<Microsoft.Azure.Functions.Worker.FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns(name);
        var context = new Moq.Mock<Microsoft.Azure.Functions.Worker.FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        return context.Object;
    }

    [Fact]
    public void Functions_serves_the_pages_at_the_addresses_emails_link_to()
    {
        var pages = Triggers.Where(t => t.Type == "httpTrigger" && !t.Route!.StartsWith("api/", StringComparison.Ordinal) && t.Route != PageFunctions.RootRoute).Select(t => t.Route).Order();

        Assert.Equal(["approval/{*path}", "assets/{*path}", "console/{*path}", "wizard/{*path}"], pages);
        Assert.Equal(StaticPages.Folders.Select(f => f + "/{*path}").Order(), pages);
        // And the root, which both hosts send to the console.
        Assert.Single(Triggers, t => t.Type == "httpTrigger" && t.Route == PageFunctions.RootRoute && t.AuthLevel == "Anonymous");
    }

    [Fact]
    public async Task The_root_sends_people_to_the_console_as_on_the_local_host()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();

        await PageFunctions.RootPage(context.Request);

        Assert.Equal(302, context.Response.StatusCode);
        Assert.Equal("/console/", context.Response.Headers.Location.ToString());
    }

    [Fact]
    public void Both_hosts_register_the_same_orchestration_and_activities()
    {
        var registry = new DurableTaskRegistry().AddProvisioningTasks();
        var local = Names(registry, "Activities");

        Assert.Equal(ProvisioningTasks.Activities.Select(a => a.Name).Order(), local.Order());
        Assert.Equal([ProvisioningWorkflow.Name], Names(registry, "Orchestrators"));
        Assert.Equal(ProvisioningTasks.Activities.Select(a => a.Name).Order(), Triggers.Where(t => t.Type == "activityTrigger").Select(t => t.Name).Order());
        Assert.Equal([ProvisioningWorkflow.Name], Triggers.Where(t => t.Type == "orchestrationTrigger").Select(t => t.Name));
    }

    [Fact]
    public void Functions_stamps_new_orders_with_the_workflow_version_and_runs_only_its_own_or_older()
    {
        // The local host sets the same on its worker (DurableTaskSidecar.Versioning); Functions reads host.json.
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsOutput.Directory, "host.json")));
        var durable = host.RootElement.GetProperty("extensions").GetProperty("durableTask");

        Assert.Equal(ProvisioningWorkflow.Version, durable.GetProperty("defaultVersion").GetString());
        Assert.Equal(WorkflowRelease.Current.Version, durable.GetProperty("defaultVersion").GetString());
        Assert.Equal("CurrentOrOlder", durable.GetProperty("versionMatchStrategy").GetString());
        Assert.Equal("Reject", durable.GetProperty("versionFailureStrategy").GetString());
    }

    [Fact]
    public async Task The_running_local_host_serves_exactly_the_routes_Functions_declares()
    {
        await using var server = await DevServerProcess.StartAsync();
        using var document = JsonDocument.Parse(await server.Http.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var served = document.RootElement.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}"))
            .Order();
        var declared = Triggers.Where(t => t.Type == "httpTrigger" && t.Route!.StartsWith("api/", StringComparison.Ordinal))
            .SelectMany(t => t.Methods.Select(m => $"{m} /{t.Route}"))
            .Order();

        Assert.Equal(declared, served);
    }

    // The registry keeps its tasks in internal dictionaries keyed by TaskName.
    static IEnumerable<string> Names(DurableTaskRegistry registry, string property)
    {
        var value = typeof(DurableTaskRegistry).GetProperty(property, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)!.GetValue(registry)!;
        return ((System.Collections.IEnumerable)value).Cast<object>()
            .Select(pair => pair.GetType().GetProperty("Key")!.GetValue(pair)!.ToString()!);
    }
}
