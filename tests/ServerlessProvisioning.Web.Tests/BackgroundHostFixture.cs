using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>
/// Another local host, with settings of its own, used as an assembly fixture: it starts in the background, so it
/// boots alongside the main host instead of when its test class comes up.
/// </summary>
public abstract class BackgroundHostFixture(IDictionary<string, string> settings, string? seed = null) : IAsyncLifetime
{
    Task<DevServerProcess>? starting;

    /// <summary>The host, once started.</summary>
    public Task<DevServerProcess> ServerAsync => starting ?? throw new InvalidOperationException("Not started.");

    public ValueTask InitializeAsync()
    {
        starting = DevServerProcess.StartAsync(settings, seed: seed);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (starting is null)
        {
            return;
        }

        try
        {
            await (await starting).DisposeAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or FileNotFoundException)
        {
            // It never started (the test that needed it has reported why): nothing to stop.
        }
    }
}
