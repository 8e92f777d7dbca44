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

    public static async Task<ServiceProvider> CreateAsync(AzuriteFixture azurite, IEmailSender? email = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Provisioning:OrderWebhookSecret"] = Secret,
            ["Provisioning:LinkTokenSecret"] = "functions-test-link-secret-0123456789abcdef",
            ["Provisioning:PublicBaseUrl"] = "https://provisioning.example.com",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton(azurite.NewTableNames());
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
