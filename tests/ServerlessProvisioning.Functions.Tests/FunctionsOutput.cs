using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>Where the Functions app and the local host were built, in the configuration these tests were built in.</summary>
public static class FunctionsOutput
{
    /// <summary>Release or Debug, as this test assembly was built; the solution builds every project alike.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>src/ServerlessProvisioning.Functions/bin/&lt;configuration&gt;/net10.0: what `func start` runs and azd publishes from.</summary>
    public static string Directory { get; } = ProjectOutput("ServerlessProvisioning.Functions");

    /// <summary>
    /// bin/&lt;configuration&gt;/net10.0/.azurefunctions: the WebJobs extensions the Functions host loads (the Durable
    /// extension and its Durable Task engine), built by the SDK from a project it generates.
    /// </summary>
    public static string HostExtensionsDirectory { get; } = Path.Combine(Directory, ".azurefunctions");

    /// <summary>obj/&lt;configuration&gt;/net10.0/WorkerExtensions: the project the SDK generates for the host's extensions.</summary>
    public static string HostExtensionsProjectDirectory { get; } =
        Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "src", "ServerlessProvisioning.Functions", "obj", Configuration, "net10.0", "WorkerExtensions");

    /// <summary>The local host's build output (what ./run.sh runs).</summary>
    public static string LocalHostDirectory { get; } = ProjectOutput("ServerlessProvisioning.DevServer");

    static string ProjectOutput(string project) =>
        Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "src", project, "bin", Configuration, "net10.0");
}
