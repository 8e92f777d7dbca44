using System.Diagnostics;
using System.Text;

namespace ServerlessProvisioning.DevTools;

/// <summary>
/// The real local host as a separate process (the built <c>ServerlessProvisioning.DevServer.dll</c>), on a free
/// loopback port: what a developer runs, driven over HTTP. It can be killed (SIGKILL) and started again on the same
/// storage. The tests' fixtures and the benchmark start it.
/// </summary>
public sealed class LocalHostProcess : IAsyncDisposable
{
    readonly StringBuilder output = new();
    readonly IReadOnlyDictionary<string, string> environment;
    readonly bool ownsAzurite;
    readonly bool listenOnAllAddresses;
    Process? process;

    LocalHostProcess(AzuriteProcess azurite, bool ownsAzurite, int port, IReadOnlyDictionary<string, string> environment, bool listenOnAllAddresses)
    {
        Azurite = azurite;
        this.ownsAzurite = ownsAzurite;
        Port = port;
        this.environment = environment;
        this.listenOnAllAddresses = listenOnAllAddresses;
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The Azurite the host stores in.</summary>
    public AzuriteProcess Azurite { get; }

    /// <summary>The port the host listens on.</summary>
    public int Port { get; }

    /// <summary>The host's address on this machine.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>A client for the host, its base address set.</summary>
    public HttpClient Http { get; }

    /// <summary>What the host printed so far, for a failure's message.</summary>
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

    /// <summary>
    /// Starts the local host on <paramref name="azurite"/> with <paramref name="environment"/> (environment variable names,
    /// the storage's connection string among them) and waits until it answers; disposing it stops
    /// <paramref name="azurite"/> too when <paramref name="ownsAzurite"/>.
    /// </summary>
    public static async Task<LocalHostProcess> StartAsync(IReadOnlyDictionary<string, string> environment, AzuriteProcess azurite, bool ownsAzurite, string? seed = null, bool listenOnAllAddresses = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            var host = new LocalHostProcess(azurite, ownsAzurite, FreePort.Find(), environment, listenOnAllAddresses);
            try
            {
                await host.LaunchAsync(seed);
                return host;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely the port was taken between choosing and binding it: try another.
                await host.KillAsync();
                host.Http.Dispose();
            }
        }
    }

    /// <summary>The built local host of this configuration (Debug or Release, as the caller was built).</summary>
    public static string FindDll()
    {
        var root = AzuriteProcess.FindRepositoryRoot() ?? throw new InvalidOperationException("Repository root not found.");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(root, "src", "ServerlessProvisioning.DevServer", "bin", configuration, "net10.0", "ServerlessProvisioning.DevServer.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the local host first ({path}).");
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

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process?.Dispose();
        Http.Dispose();
        if (ownsAzurite)
        {
            await Azurite.DisposeAsync();
        }
    }

    async Task LaunchAsync(string? seed)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(FindDll());
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
        await WaitUntilListeningAsync(process);
    }

    async Task WaitUntilListeningAsync(Process started)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (started.HasExited)
            {
                throw new InvalidOperationException($"The local host exited with {started.ExitCode}:{Environment.NewLine}{Output}");
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
}
