using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Hosting;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Tests.OrderSystem;

/// <summary>The outcome callback as the hosts register it, against real HTTP listeners on this machine.</summary>
public class OrderCallbackClientTests
{
    /// <summary>A local HTTP listener that records every request it gets and answers each with a status (and a Location).</summary>
    sealed class Listener : IAsyncDisposable
    {
        readonly WebApplication app;

        Listener(WebApplication app) => this.app = app;

        public ConcurrentQueue<(string Method, string Path, string Body)> Requests { get; } = new();

        public string Url { get; private set; } = string.Empty;

        public static async Task<Listener> StartAsync(int status, string? location = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var listener = new Listener(app);
            app.Run(async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                listener.Requests.Enqueue((context.Request.Method, context.Request.Path, await reader.ReadToEndAsync()));
                context.Response.StatusCode = status;
                if (location is not null)
                {
                    context.Response.Headers.Location = location;
                }
            });
            await app.StartAsync();
            listener.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return listener;
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }

    static ServiceProvider Services(string callbackUrl)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Provisioning:OrderWebhookSecret"] = "0123456789abcdef0123456789abcdef",
            ["Provisioning:LinkTokenSecret"] = "fedcba9876543210fedcba9876543210",
            ["Provisioning:PublicBaseUrl"] = "https://provisioning.example.com",
            ["Provisioning:OrderCallbackUrl"] = callbackUrl,
        }).Build();
        return new ServiceCollection().AddLogging().AddProvisioning(configuration).BuildServiceProvider();
    }

    static CallbackRequest Report(string orderId) =>
        new(orderId, "sub-" + orderId, ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization, "org-acme", DateTimeOffset.UtcNow, "delivery-" + orderId);

    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    public async Task A_redirect_is_a_failed_delivery_and_is_never_followed(int status)
    {
        // Arrange: the callback answers a redirect to another listener on this machine.
        await using var elsewhere = await Listener.StartAsync(200);
        await using var callback = await Listener.StartAsync(status, elsewhere.Url + "/stolen");
        await using var services = Services(callback.Url + "/callback");
        var orderId = "ord-redirect-" + status;

        // Act
        var failure = await Record.ExceptionAsync(() =>
            services.GetRequiredService<IOrderCallback>().DeliverAsync(Report(orderId), TestContext.Current.CancellationToken));

        // Assert: the workflow retries it as any failed delivery; the signed report went to the callback only.
        Assert.IsType<CallbackFailedException>(failure);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), failure.Message, StringComparison.Ordinal);
        var received = Assert.Single(callback.Requests);
        Assert.Equal(("POST", "/callback"), (received.Method, received.Path));
        Assert.Contains(orderId, received.Body, StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task A_2xx_is_a_delivery()
    {
        await using var callback = await Listener.StartAsync(200);
        await using var services = Services(callback.Url + "/callback");

        var delivered = await services.GetRequiredService<IOrderCallback>().DeliverAsync(Report("ord-ok"), TestContext.Current.CancellationToken);

        Assert.True(delivered);
        Assert.Contains("ord-ok", Assert.Single(callback.Requests).Body, StringComparison.Ordinal);
    }
}
