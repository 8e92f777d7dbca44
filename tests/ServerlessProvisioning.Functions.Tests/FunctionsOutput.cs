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

    /// <summary>The local host's build output (what ./run.sh runs).</summary>
    public static string LocalHostDirectory { get; } = ProjectOutput("ServerlessProvisioning.DevServer");

    static string ProjectOutput(string project) =>
        Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "src", project, "bin", Configuration, "net10.0");
}
