using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;

namespace ServerlessProvisioning.DevTools;

/// <summary>Registers the local mailbox as the email port.</summary>
public static class LocalMailboxServiceCollectionExtensions
{
    /// <summary>
    /// Every email goes to the local mailbox table (created at start-up), unless an email sender (ACS) is registered
    /// already; retention purges an order's emails with the order.
    /// </summary>
    public static IServiceCollection AddLocalMailbox(this IServiceCollection services)
    {
        services.TryAddSingleton<LocalMailbox>();
        services.TryAddSingleton<IEmailSender>(sp => sp.GetRequiredService<LocalMailbox>());
        services.AddSingleton<IOrderDataOwner>(sp => sp.GetRequiredService<LocalMailbox>());
        services.AddHostedService<MailboxTableInitializer>();
        return services;
    }

    sealed class MailboxTableInitializer(LocalMailbox mailbox) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => mailbox.CreateTableAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
