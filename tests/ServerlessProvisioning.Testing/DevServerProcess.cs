using System.Diagnostics;
using System.Text;
using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.Testing;

/// <summary>
/// The real local host as a separate process, on an Azurite of its own: what a developer runs, driven over
/// HTTP. It can be killed (SIGKILL) and started again on the same storage.
/// </summary>
public sealed class DevServerProcess : LocalHost
{
    readonly StringBuilder output = new();
    readonly Dictionary<string, string> environment;
    readonly bool ownsAzurite;
    readonly bool listenOnAllAddresses;
    Process? process;

    DevServerProcess(AzuriteProcess azurite, bool ownsAzurite, int port, Dictionary<string, string> environment, bool listenOnAllAddresses = false)
        : base(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) })
    {
        this.listenOnAllAddresses = listenOnAllAddresses;
        Azurite = azurite;
        this.ownsAzurite = ownsAzurite;
        Port = port;
        this.environment = environment;
    }

    public AzuriteProcess Azurite { get; }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts Azurite (unless given) and the local host with the given extra settings (environment variable names).</summary>
    public static async Task<DevServerProcess> StartAsync(IDictionary<string, string>? settings = null, AzuriteProcess? azurite = null, string? seed = null, bool listenOnAllAddresses = false)
    {
        var owns = azurite is null;
        azurite ??= await AzuriteProcess.StartAsync();
        var environment = Settings(azurite.ConnectionString);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        for (var attempt = 1; ; attempt++)
        {
            var server = new DevServerProcess(azurite, owns, FreePort.Find(), environment, listenOnAllAddresses);
            try
            {
                await server.LaunchAsync(seed);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely the port was taken between choosing and binding it: try another.
                await server.KillAsync();
                server.Http.Dispose();
            }
        }
    }

    /// <summary>Kills the process without letting it clean up (SIGKILL), leaving storage as it was.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the host again on the same storage, port and task hub.</summary>
    public Task RestartAsync() => LaunchAsync(seed: null);

    async Task LaunchAsync(string? seed)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(FindDevServer());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(listenOnAllAddresses ? $"http://0.0.0.0:{Port}" : BaseUrl);
        if (seed is not null)
        {
            info.ArgumentList.Add("--seed");
            info.ArgumentList.Add(seed);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the local host.");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The local host exited with {process.ExitCode}:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await Http.GetAsync("/dev/mailbox?orderId=-");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The local host did not start:{Environment.NewLine}{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await KillAsync();
        process?.Dispose();
        Http.Dispose();
        if (ownsAzurite)
        {
            await Azurite.DisposeAsync();
        }
    }

    static string FindDevServer()
    {
        var root = AzuriteProcess.FindRepositoryRoot() ?? throw new InvalidOperationException("Repository root not found.");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(root, "src", "ServerlessProvisioning.DevServer", "bin", configuration, "net10.0", "ServerlessProvisioning.DevServer.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the local host first ({path}).");
    }
}
