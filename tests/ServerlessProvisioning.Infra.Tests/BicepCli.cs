using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>What one run of the Bicep CLI printed.</summary>
public sealed record BicepRun(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything the run printed, for failure messages.</summary>
    public override string ToString() =>
        $"`bicep {Command}` exited {ExitCode}.{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";
}

/// <summary>
/// Runs the Bicep CLI that NuGet restored for this project. Nothing it does here needs the network or the Azure CLI:
/// infra/ uses local modules only and Bicep carries the Azure resource types inside.
/// </summary>
public static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly Lazy<string> Executable = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The repository root, fixed at build time.</summary>
    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    /// <summary>The infra/ folder.</summary>
    public static string InfraDirectory { get; } = Path.Combine(RepositoryRoot, "infra");

    /// <summary>infra/main.bicep.</summary>
    public static string MainBicep { get; } = Path.Combine(InfraDirectory, "main.bicep");

    /// <summary>Runs <c>bicep</c> with the given arguments and waits for it (bounded by a timeout).</summary>
    public static async Task<BicepRun> RunAsync(IReadOnlyList<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Keep the output to what the command itself says (no trace lines).
        start.Environment["BICEP_TRACING_ENABLED"] = "false";

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return new BicepRun(string.Join(' ', arguments), process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Bicep string literal for a value written into a generated .bicepparam file.</summary>
    public static string Literal(string value) =>
        "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal)
                   .Replace("'", "\\'", StringComparison.Ordinal)
                   .Replace("${", "\\${", StringComparison.Ordinal) + "'";

    private static string Locate()
    {
        var path = Metadata("BicepExecutable");
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException(
                $"These tests run the Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package; this machine is {RuntimeInformation.RuntimeIdentifier}.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The Bicep CLI is not at {path}; `dotnet restore` restores it from NuGet.", path);
        }

        // NuGet does not always keep the executable bit when it extracts a package.
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The test assembly has no [AssemblyMetadata(\"{key}\")]; see the .csproj."));
}
