using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.Testing;

/// <summary>
/// The real local host as a separate process (<see cref="LocalHostProcess"/>), on an Azurite of its own, with the
/// settings every test host gets: what a developer runs, driven over HTTP. It can be killed (SIGKILL) and started
/// again on the same storage.
/// </summary>
public sealed class DevServerProcess : LocalHost
{
    readonly LocalHostProcess host;

    DevServerProcess(LocalHostProcess host)
        : base(host.Http)
    {
        this.host = host;
    }

    public AzuriteProcess Azurite => host.Azurite;

    public int Port => host.Port;

    public string BaseUrl => host.BaseUrl;

    public string Output => host.Output;

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

        return new DevServerProcess(await LocalHostProcess.StartAsync(environment, azurite, owns, seed, listenOnAllAddresses));
    }

    /// <summary>Kills the process without letting it clean up (SIGKILL), leaving storage as it was.</summary>
    public Task KillAsync() => host.KillAsync();

    /// <summary>Starts the host again on the same storage, port and task hub.</summary>
    public Task RestartAsync() => host.RestartAsync();

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => host.DisposeAsync();
}
