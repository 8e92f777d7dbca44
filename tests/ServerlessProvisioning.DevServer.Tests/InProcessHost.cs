using Microsoft.AspNetCore.Builder;
using Azure;
using Azure.Data.Tables;
using DurableTask.AzureStorage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// The local host's own <c>Program</c> in the test process (<see cref="WebApplicationFactory{TEntryPoint}"/>), on the
/// run's Azurite: the same routes, workflow (Durable Task Azure Storage provider behind the gRPC sidecar), mailbox
/// and seed as <c>./run.sh</c>, without a process or an Azurite of its own. Its tables and task hub are its own,
/// so several hosts share the emulator as the processes shared nothing.
/// </summary>
public sealed class InProcessHost : LocalHost
{
    readonly Factory factory;
    bool disposed;

    InProcessHost(Factory factory, HttpClient http, TableNames tables, string taskHub)
        : base(http)
    {
        this.factory = factory;
        Tables = tables;
        TaskHub = taskHub;
    }

    /// <summary>The names of this host's tables on the run's Azurite.</summary>
    public TableNames Tables { get; }

    /// <summary>This host's durable task hub on the run's Azurite.</summary>
    public string TaskHub { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => factory.Services;

    /// <summary>
    /// Starts the host on <paramref name="azurite"/> with the given extra settings (environment variable names, as for
    /// the process; <c>TASKHUB_NAME</c> among them to resume another host's workflows), on its own tables unless
    /// <paramref name="tables"/> names another host's, with <paramref name="services"/> applied last.
    /// </summary>
    public static async Task<InProcessHost> StartAsync(AzuriteFixture azurite, IDictionary<string, string>? settings = null, string? seed = null, TableNames? tables = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var configuration = Settings(azurite.ConnectionString);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            configuration[key] = value;
        }

        tables ??= azurite.NewTableNames();
        var factory = new Factory(configuration, tables, seed, services);
        try
        {
            // Creating the client runs Program up to app.StartAsync (the seed included) and blocks until then: off the test's thread.
            var http = await Task.Run(() => factory.CreateClient());
            http.Timeout = TimeSpan.FromSeconds(60);
            var taskHub = configuration["TASKHUB_NAME"];
            // The sidecar starts the engine once the worker has connected; until then it could not be stopped (see DisposeAsync).
            await Eventually.WaitAsync(() => OwnedPartitionsAsync(azurite, taskHub), n => n > 0, TimeSpan.FromSeconds(60), "the durable engine to take its partitions");
            return new InProcessHost(factory, http, tables, taskHub);
        }
        catch
        {
            await factory.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the host (the web host, the durable worker and the sidecar) and sees that its durable engine stops too.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        var engine = factory.Services.GetRequiredService<AzureStorageOrchestrationService>();
        Http.Dispose();
        // Stops the host: hosted services in reverse order, so the durable worker before the sidecar it talks to.
        await factory.DisposeAsync();
        // The sidecar stops the engine in the background, after its dispatchers. When a work item was in flight as the
        // worker went away, the sidecar waits for an answer that never comes (InProcessTestHost has no timeout there)
        // and never stops the engine: it would poll its task hub until the test process ends, where a process would
        // simply have exited. Stopping it here ends it within the engine's drain timeout (a minute at worst, about a
        // second usually) without holding the test up; a second stop waits for the one under way.
        EngineStopped = engine.StopAsync();
        _ = EngineStopped.ContinueWith(stop => stop.Exception, TaskScheduler.Default);
    }

    /// <summary>Completes when the durable engine has stopped after <see cref="DisposeAsync"/> (its partitions released): await it before another host resumes this one's task hub.</summary>
    public Task EngineStopped { get; private set; } = Task.CompletedTask;

    static async Task<int> OwnedPartitionsAsync(AzuriteFixture azurite, string taskHub)
    {
        var owned = 0;
        try
        {
            await foreach (var partition in azurite.Tables.GetTableClient(taskHub + "Partitions").QueryAsync<TableEntity>(select: ["CurrentOwner"]))
            {
                owned += string.IsNullOrEmpty(partition.GetString("CurrentOwner")) ? 0 : 1;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The table is not there yet.
        }

        return owned;
    }

    // One factory, configured by overriding: WithWebHostBuilder would make a second one, and anything touching the
    // first (its Services, say) would start an unconfigured host beside this one.
    sealed class Factory(Dictionary<string, string> configuration, TableNames tables, string? seed, Action<IServiceCollection>? services) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // The process runs as Development unless told otherwise (SPEC §4); so does this host.
            builder.UseEnvironment(Environments.Development);
            foreach (var (key, value) in configuration)
            {
                builder.UseSetting(key.Replace("__", ":", StringComparison.Ordinal), value);
            }

            if (seed is not null)
            {
                builder.UseSetting("seed", seed);
            }

            // The process had an Azurite to itself; here the emulator is shared, so the tables carry a prefix of their own.
            builder.ConfigureTestServices(collection =>
            {
                collection.AddSingleton(tables).AddSingleton<IStartupFilter, SameMachine>();
                // The mailbox posts its delivery reports to this host, which listens on no socket: through the test server.
                collection.AddHttpClient(DevTools.LocalDeliveryReportPoster.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Server.CreateHandler());
                services?.Invoke(collection);
            });
        }
    }

    /// <summary>
    /// The test server's requests come from this process, but carry no address: say so, as a socket on this machine
    /// would, so the loopback-only routes (the mailbox) answer the tests and nothing else changes.
    /// </summary>
    sealed class SameMachine : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, then) =>
            {
                context.Connection.RemoteIpAddress ??= System.Net.IPAddress.Loopback;
                return then(context);
            });
            next(app);
        };
    }
}
