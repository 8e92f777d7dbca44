using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Hosting;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>The product's services as the Functions host registers them, on Azurite tables of the test's own; the email port can be replaced.</summary>
public static class FunctionTestServices
{
    public const string Secret = "functions-test-secret-0123456789abcdef";

    /// <summary>The operator key, as the Key Vault reference would resolve in Azure.</summary>
    public const string OperatorKey = "functions-test-operator-key-0123456789abcdef";

    /// <summary>The services; <paramref name="settings"/> adds to or overrides the configuration (WEBSITE_AUTH_ENABLED, say).</summary>
    public static async Task<ServiceProvider> CreateAsync(AzuriteFixture azurite, IEmailSender? email = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Provisioning:OrderWebhookSecret"] = Secret,
            ["Provisioning:LinkTokenSecret"] = "functions-test-link-secret-0123456789abcdef",
            ["Provisioning:OperatorKey"] = OperatorKey,
            ["Provisioning:PublicBaseUrl"] = "https://provisioning.example.com",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        // The Functions host registers its configuration; OperatorAccess reads WEBSITE_AUTH_ENABLED from it.
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddSingleton(azurite.NewTableNames());
        services.AddProvisioning(configuration);
        if (email is not null)
        {
            services.AddSingleton(email);
        }
        else
        {
            services.AddLocalMailbox();
        }

        var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return provider;
    }
}
