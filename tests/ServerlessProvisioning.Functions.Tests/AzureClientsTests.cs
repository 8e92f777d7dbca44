using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Hosting;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>
/// The Azure SDK clients come from Microsoft.Extensions.Azure and read AzureWebJobsStorage as the Functions host does;
/// in Azure they sign in with the managed identity only, on a laptop with the developer's own sign-in.
/// </summary>
public class AzureClientsTests
{
    // What App Service sets in Azure (the managed identity endpoint); Core Tools and the local host set none of these.
    static readonly Dictionary<string, string?> InAzure = new() { ["IDENTITY_ENDPOINT"] = "http://localhost:42356/msi/token" };

    static IConfiguration Configuration(Dictionary<string, string?> values, Dictionary<string, string?>? platform = null) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).AddInMemoryCollection(platform ?? []).Build();

    static ServiceProvider Services(IConfiguration configuration) =>
        new ServiceCollection().AddLogging().AddStorageClients(configuration).BuildServiceProvider();

    [Fact]
    public void A_connection_string_gives_a_table_client_registered_through_the_Azure_client_factory()
    {
        using var services = Services(Configuration(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }));

        var client = services.GetRequiredService<TableServiceClient>();

        Assert.NotNull(services.GetService<IAzureClientFactory<TableServiceClient>>());
        Assert.Equal("devstoreaccount1", client.AccountName);
    }

    [Fact]
    public void Azure_SDK_request_logs_stay_at_Warning_while_the_app_logs_Information()
    {
        using var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(new EverythingProvider()))
            .AddStorageClients(Configuration(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }))
            .BuildServiceProvider();
        var loggers = services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Azure.Core").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Azure.Core").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("ServerlessProvisioning.Provisioning").IsEnabled(LogLevel.Information));
    }

    sealed class EverythingProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Everything();

        public void Dispose()
        {
        }

        sealed class Everything : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
            }
        }
    }

    [Theory]
    [InlineData("stprov123", null, "https://stprov123.table.core.windows.net/")]
    [InlineData("stprov123", "https://stprov123.table.core.usgovcloudapi.net", "https://stprov123.table.core.usgovcloudapi.net/")]
    [InlineData(null, "https://stother.table.core.windows.net/", "https://stother.table.core.windows.net/")]
    public void The_identity_form_reaches_the_account_or_the_explicit_table_endpoint(string? accountName, string? tableServiceUri, string expected)
    {
        using var services = Services(Configuration(new()
        {
            ["AzureWebJobsStorage:accountName"] = accountName,
            ["AzureWebJobsStorage:tableServiceUri"] = tableServiceUri,
            ["AzureWebJobsStorage:credential"] = "managedidentity",
        }));

        var client = services.GetRequiredService<TableServiceClient>();

        Assert.Equal(expected, client.Uri.ToString());
    }

    [Fact]
    public void Without_storage_settings_the_tables_fail_naming_AzureWebJobsStorage()
    {
        using var services = Services(Configuration([]));

        var exception = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<TableServiceClient>());

        Assert.Contains("AzureWebJobsStorage is required", exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_settings_the_template_deploys_use_the_system_assigned_managed_identity()
    {
        // infra/main.bicep: AzureWebJobsStorage__accountName, __credential = managedidentity, the service URIs.
        var configuration = Configuration(new()
        {
            ["AzureWebJobsStorage:accountName"] = "stprov123",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://stprov123.table.core.windows.net/",
        }, InAzure);

        var identity = AzureIdentity.ForConnection(configuration.GetSection("AzureWebJobsStorage"), configuration);

        Assert.Equal(new AzureIdentity(AzureIdentityKind.ManagedIdentity), identity);
        Assert.IsType<ManagedIdentityCredential>(identity.CreateCredential());
    }

    [Fact]
    public void A_client_id_names_a_user_assigned_identity()
    {
        var configuration = Configuration(new()
        {
            ["AzureWebJobsStorage:accountName"] = "stprov123",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = "11111111-2222-3333-4444-555555555555",
        });

        var identity = AzureIdentity.ForConnection(configuration.GetSection("AzureWebJobsStorage"), configuration);

        Assert.Equal(new AzureIdentity(AzureIdentityKind.ManagedIdentity, ClientId: "11111111-2222-3333-4444-555555555555"), identity);
        Assert.IsType<ManagedIdentityCredential>(identity.CreateCredential());
    }

    [Fact]
    public void Without_a_credential_setting_Azure_uses_the_managed_identity_and_a_laptop_the_developer_sign_in()
    {
        var values = new Dictionary<string, string?> { ["AzureWebJobsStorage:accountName"] = "stprov123" };
        var local = Configuration(values);
        var azure = Configuration(values, InAzure);

        var onLaptop = AzureIdentity.ForConnection(local.GetSection("AzureWebJobsStorage"), local);
        var inAzure = AzureIdentity.ForConnection(azure.GetSection("AzureWebJobsStorage"), azure);

        Assert.Equal(AzureIdentityKind.Developer, onLaptop.Kind);
        Assert.IsType<DefaultAzureCredential>(onLaptop.CreateCredential());
        Assert.Equal(AzureIdentityKind.ManagedIdentity, inAzure.Kind);
    }

    [Theory]
    [InlineData("IDENTITY_ENDPOINT")]
    [InlineData("MSI_ENDPOINT")]
    [InlineData("WEBSITE_INSTANCE_ID")]
    public void The_host_signs_in_with_its_managed_identity_in_Azure(string marker)
    {
        var configuration = Configuration([], new() { [marker] = "set-by-app-service" });

        var identity = AzureIdentity.ForHost(configuration);

        Assert.Equal(new AzureIdentity(AzureIdentityKind.ManagedIdentity), identity);
    }

    [Fact]
    public void The_host_signs_in_as_the_developer_outside_Azure()
    {
        Assert.Equal(AzureIdentityKind.Developer, AzureIdentity.ForHost(Configuration([])).Kind);
    }

    [Theory]
    [InlineData("credential", "clientsecret", "only value supported is 'managedidentity'")]
    [InlineData("managedIdentityResourceId", "/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z", "Set only one of")]
    public void Contradictory_identity_settings_are_refused_by_name(string key, string value, string message)
    {
        var configuration = Configuration(new()
        {
            ["AzureWebJobsStorage:accountName"] = "stprov123",
            ["AzureWebJobsStorage:clientId"] = key == "credential" ? null : "11111111-2222-3333-4444-555555555555",
            [$"AzureWebJobsStorage:{key}"] = value,
        });

        var exception = Assert.Throws<InvalidOperationException>(() => AzureIdentity.ForConnection(configuration.GetSection("AzureWebJobsStorage"), configuration));

        Assert.Contains(message, exception.Message, StringComparison.Ordinal);
    }
}
