using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Azure.Identity;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;

namespace ServerlessProvisioning.DevServer.Durable;

/// <summary>
/// Runs the workflow locally the way Azure Functions does, without Functions Core Tools: Durable Task's Azure
/// Storage provider (on Azurite or a real account) behind the Durable Task gRPC sidecar, with the standard
/// gRPC worker and client in this process. The sidecar listens on a private loopback port with HTTP/2.
/// </summary>
public static class DurableTaskSidecar
{
    /// <summary>Registers the orchestration service, the sidecar host, and the worker and client connected to it.</summary>
    public static IServiceCollection AddLocalDurableTask(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var address = $"http://127.0.0.1:{FreePort.Find()}";
        services.AddSingleton(sp =>
        {
            var settings = new AzureStorageOrchestrationServiceSettings
            {
                TaskHubName = configuration["TASKHUB_NAME"] is { Length: > 0 } hub ? hub : "provisioninglocal",
                StorageAccountClientProvider = StorageProvider(configuration),
                // Wizard steps should be picked up within a second; the default backs off to 30 s when idle.
                MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
                PartitionCount = 4,
                // After a crash, messages the dead process had taken come back after this timeout (5 minutes by
                // default). Work in progress keeps renewing it, so a short one only speeds up recovery.
                ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(30),
                WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(30),
                UseTablePartitionManagement = true,
                // As the Functions host runs it (host.json leaves useInstanceTableEtag at its default): the instance row
                // is merged, not read for its version before each episode, one query per episode fewer.
                UseInstanceTableEtag = false,
                LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
            };
            return new AzureStorageOrchestrationService(settings);
        });
        services.AddSingleton<IOrchestrationService>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddHostedService(sp => new SidecarHost(address, sp));

        // The workflow code and its version come from the container (the current release unless a test says otherwise).
        services.TryAddSingleton(WorkflowRelease.Current);
        services.AddDurableTaskWorker(builder =>
        {
            builder.UseGrpc(address);
            builder.Services.AddOptions<DurableTaskRegistry>(builder.Name)
                .Configure<WorkflowRelease>((registry, release) => registry.AddProvisioningTasks(release));
            builder.Services.AddOptions<DurableTaskWorkerOptions>(builder.Name)
                .Configure<WorkflowRelease>((options, release) => options.Versioning = Versioning(release));
        });
        services.AddDurableTaskClient(builder => builder.UseGrpc(address));
        return services;
    }

    /// <summary>
    /// As host.json says for Functions: run orders of this version or older, and leave a newer one (a rollback while
    /// it is open) in its queue for a newer worker instead of failing it.
    /// </summary>
    public static DurableTaskWorkerOptions.VersioningOptions Versioning(WorkflowRelease release) => new()
    {
        Version = release.Version,
        DefaultVersion = release.Version,
        MatchStrategy = DurableTaskWorkerOptions.VersionMatchStrategy.CurrentOrOlder,
        FailureStrategy = DurableTaskWorkerOptions.VersionFailureStrategy.Reject,
    };

    // The same two forms the product accepts for its tables: a connection string, or an account reached by identity.
    static StorageAccountClientProvider StorageProvider(IConfiguration configuration) =>
        configuration[Configuration.ConfigurationKeys.Storage] is { Length: > 0 } connectionString
            ? new StorageAccountClientProvider(connectionString)
            : new StorageAccountClientProvider(configuration[$"{Configuration.ConfigurationKeys.Storage}:accountName"]!, new DefaultAzureCredential());

    // The gRPC server needs HTTP/2 on its own Kestrel, apart from the public HTTP/1.1 API.
    sealed class SidecarHost(string address, IServiceProvider services) : IHostedService
    {
        WebApplication? sidecar;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var orchestration = services.GetRequiredService<AzureStorageOrchestrationService>();
            await orchestration.CreateIfNotExistsAsync();

            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(address);
            builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(services.GetRequiredService<ILoggerFactory>());
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            builder.Services.AddGrpc();
            builder.Services.AddSingleton<IOrchestrationService>(orchestration);
            builder.Services.AddSingleton<IOrchestrationServiceClient>(orchestration);
            builder.Services.AddSingleton<TaskHubGrpcServer>();
            sidecar = builder.Build();
            sidecar.MapGrpcService<TaskHubGrpcServer>();
            await sidecar.StartAsync(cancellationToken);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (sidecar is not null)
            {
                await sidecar.StopAsync(cancellationToken);
                await sidecar.DisposeAsync();
            }
        }
    }
}
