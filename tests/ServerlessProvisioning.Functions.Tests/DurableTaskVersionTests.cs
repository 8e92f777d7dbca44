using System.Reflection;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>
/// The Functions app runs the Durable Task engine the tests and the local host run. The Functions extension asks for
/// an older Microsoft.DurableTask.Worker/Grpc than the one the repository pins, and without transitive pinning NuGet
/// took the older one for the Functions output only: the workflow tested here was not the workflow deployed. The
/// Functions host runs its side of the engine (the Durable extension, DurableTask.Core and DurableTask.AzureStorage)
/// from .azurefunctions/, built from a project the SDK generates without Directory.Packages.props; the Functions
/// project writes the pins into it (PinHostDurableTaskEngine), and the last two tests check the result.
/// </summary>
public class DurableTaskVersionTests
{
    static readonly string[] Engine = ["Microsoft.DurableTask.", "Microsoft.Azure.DurableTask.", "Microsoft.Azure.WebJobs.Extensions.DurableTask"];

    static bool IsEngine(string package) => Engine.Any(prefix => package.StartsWith(prefix, StringComparison.Ordinal));

    // "libraries" in a deps.json: "<package>/<version>" of every package the app resolves (projects are "project").
    static Dictionary<string, string> EnginePackages(string depsFile)
    {
        Assert.True(File.Exists(depsFile), $"{depsFile} is missing; build the solution first.");
        using var document = JsonDocument.Parse(File.ReadAllText(depsFile));
        return document.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Value.GetProperty("type").GetString() == "package")
            .Select(l => l.Name.Split('/'))
            .Where(p => IsEngine(p[0]))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }

    static string Differences(string what, Dictionary<string, string> functions, Dictionary<string, string> other, bool mustHaveAll) =>
        string.Join(Environment.NewLine, functions.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Where(p => other.TryGetValue(p.Key, out var version) ? version != p.Value : mustHaveAll)
            .Select(p => $"  {p.Key}: Functions app {p.Value}, {what} {(other.TryGetValue(p.Key, out var version) ? version : "none")}"));

    [Fact]
    public void Functions_app_resolves_the_Durable_Task_packages_the_tests_and_the_local_host_run()
    {
        var functions = EnginePackages(Path.Combine(FunctionsOutput.Directory, "ServerlessProvisioning.Functions.deps.json"));
        var tests = EnginePackages(Path.Combine(AppContext.BaseDirectory, $"{typeof(DurableTaskVersionTests).Assembly.GetName().Name}.deps.json"));
        var localHost = EnginePackages(Path.Combine(FunctionsOutput.LocalHostDirectory, "ServerlessProvisioning.DevServer.deps.json"));

        // The test process references the Functions project, so it has every package the app has; the local host has
        // no Functions extension, so only the packages both use are compared with it.
        var differences = new[] { Differences("tests", functions, tests, mustHaveAll: true), Differences("local host", functions, localHost, mustHaveAll: false) }
            .Where(d => d.Length > 0)
            .ToList();

        Assert.Contains("Microsoft.DurableTask.Worker.Grpc", functions.Keys);
        Assert.True(differences.Count == 0,
            "The Functions output resolves other Durable Task packages than the tests and the local host "
            + "(pin them in Directory.Packages.props; transitive pinning is on):" + Environment.NewLine + string.Join(Environment.NewLine, differences));
    }

    [Fact]
    public void Functions_host_extensions_run_the_Durable_Task_engine_the_worker_and_the_local_host_run()
    {
        // .azurefunctions/function.deps.json lists what the host loads with the Durable extension.
        var host = EnginePackages(Path.Combine(FunctionsOutput.HostExtensionsDirectory, "function.deps.json"));
        var worker = EnginePackages(Path.Combine(FunctionsOutput.Directory, "ServerlessProvisioning.Functions.deps.json"));
        var localHost = EnginePackages(Path.Combine(FunctionsOutput.LocalHostDirectory, "ServerlessProvisioning.DevServer.deps.json"));

        // The worker's Durable package names the host extension it was built against; the SDK asks for exactly that one.
        var extension = typeof(DurableClientAttribute).Assembly.GetCustomAttribute<ExtensionInformationAttribute>();
        Assert.NotNull(extension);
        Assert.Equal("Microsoft.Azure.WebJobs.Extensions.DurableTask", extension.ExtensionPackage);

        var expected = new (string Package, string Where, string? Version)[]
        {
            (extension.ExtensionPackage, "the worker's Microsoft.Azure.Functions.Worker.Extensions.DurableTask", extension.ExtensionVersion),
            ("Microsoft.Azure.DurableTask.Core", "the worker", worker.GetValueOrDefault("Microsoft.Azure.DurableTask.Core")),
            ("Microsoft.Azure.DurableTask.Core", "the local host", localHost.GetValueOrDefault("Microsoft.Azure.DurableTask.Core")),
            ("Microsoft.Azure.DurableTask.AzureStorage", "the local host", localHost.GetValueOrDefault("Microsoft.Azure.DurableTask.AzureStorage")),
        };
        var differences = expected
            .Where(e => e.Version is null || host.GetValueOrDefault(e.Package) != e.Version)
            .Select(e => $"  {e.Package}: Functions host {host.GetValueOrDefault(e.Package) ?? "none"}, {e.Where} {e.Version ?? "none"}")
            .ToList();

        Assert.True(differences.Count == 0,
            "The Functions host's extensions (.azurefunctions) run another Durable Task engine than the worker and the local host:"
            + Environment.NewLine + string.Join(Environment.NewLine, differences));
    }

    [Fact]
    public void Functions_host_extension_project_asks_for_the_engine_the_local_host_runs()
    {
        // Without the pins the generated project asks only for the Durable extension, and a feed serving its minimum
        // DurableTask.AzureStorage (lower than ours) gives the host that one: the versions above would then agree only
        // where that minimum is missing. So the project itself must ask for the local host's versions.
        var assets = Path.Combine(FunctionsOutput.HostExtensionsProjectDirectory, "obj", "project.assets.json");
        Assert.True(File.Exists(assets), $"{assets} is missing; build src/ServerlessProvisioning.Functions first.");
        using var document = JsonDocument.Parse(File.ReadAllText(assets));
        var asked = document.RootElement.GetProperty("project").GetProperty("frameworks").EnumerateObject()
            .SelectMany(f => f.Value.TryGetProperty("dependencies", out var d) ? d.EnumerateObject() : Enumerable.Empty<JsonProperty>())
            .ToDictionary(d => d.Name, d => d.Value.GetProperty("version").GetString(), StringComparer.Ordinal);
        var localHost = EnginePackages(Path.Combine(FunctionsOutput.LocalHostDirectory, "ServerlessProvisioning.DevServer.deps.json"));

        foreach (var package in new[] { "Microsoft.Azure.DurableTask.AzureStorage", "Microsoft.Azure.DurableTask.Core" })
        {
            Assert.True(localHost.ContainsKey(package), $"The local host does not run {package}.");
            Assert.True(asked.GetValueOrDefault(package) == $"[{localHost[package]}, )",
                $"The Functions host's extension project asks for {package} {asked.GetValueOrDefault(package) ?? "(nothing)"}, "
                + $"not the local host's {localHost[package]}: see PinHostDurableTaskEngine in ServerlessProvisioning.Functions.csproj.");
        }
    }

    [Fact]
    public void Functions_output_holds_the_Durable_Task_assemblies_the_test_process_loads()
    {
        var shipped = Directory.EnumerateFiles(FunctionsOutput.Directory, "*.dll")
            .Select(AssemblyName.GetAssemblyName)
            .Where(a => a.Name!.StartsWith("Microsoft.DurableTask.", StringComparison.Ordinal) || a.Name == "DurableTask.Core")
            .ToList();

        var differences = shipped
            .Select(a => (Shipped: a, Loaded: Assembly.Load(new AssemblyName(a.Name!)).GetName()))
            .Where(p => p.Shipped.Version != p.Loaded.Version)
            .Select(p => $"  {p.Shipped.Name}: Functions output {p.Shipped.Version}, test process {p.Loaded.Version}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Contains(shipped, a => a.Name == "Microsoft.DurableTask.Worker");
        Assert.True(differences.Count == 0, "Durable Task assemblies differ:" + Environment.NewLine + string.Join(Environment.NewLine, differences));
    }
}
