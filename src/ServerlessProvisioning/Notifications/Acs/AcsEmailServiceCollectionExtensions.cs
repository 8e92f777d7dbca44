using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>Registers the ACS email sender.</summary>
public static class AcsEmailServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IEmailSender"/> on Azure Communication Services, as <paramref name="options"/> say:
    /// the access key of <c>Email:AcsConnectionString</c> when set (it wins over <c>Email:AcsEndpoint</c>), else
    /// Microsoft Entra ID at <c>Email:AcsEndpoint</c> with <paramref name="credential"/> (by default
    /// <c>DefaultAzureCredential</c>, i.e. the app's managed identity). Also registers
    /// <see cref="EmailOptionsValidator"/> for hosts that bind <see cref="EmailOptions"/> with <c>ValidateOnStart</c>.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are incomplete or malformed; the message names the key.</exception>
    /// <exception cref="InvalidOperationException">Neither ACS key is set (the host should use the local mailbox).</exception>
    public static IServiceCollection AddAcsEmail(
        this IServiceCollection services,
        EmailOptions options,
        TokenCredential? credential = null,
        Action<AcsEmailClientOptions>? configureClient = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        EmailOptionsValidator.ThrowIfInvalid(options);
        if (!options.UsesAcs)
        {
            throw new InvalidOperationException(
                $"AddAcsEmail needs {EmailOptionsValidator.ConnectionStringKey} or {EmailOptionsValidator.EndpointKey}; without them use the local mailbox.");
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>());
        services.AddSingleton(provider =>
        {
            var clientOptions = new AcsEmailClientOptions();
            configureClient?.Invoke(clientOptions);
            var logger = provider.GetRequiredService<ILogger<AcsEmailSender>>();
            return AcsEmailSender.CreateClient(options, credential, clientOptions, logger);
        });
        services.AddSingleton(provider => new AcsEmailSender(
            provider.GetRequiredService<AcsEmailClient>(),
            options.SenderAddress!.Trim(),
            provider.GetRequiredService<ILogger<AcsEmailSender>>()));
        services.AddSingleton<IEmailSender>(provider => provider.GetRequiredService<AcsEmailSender>());
        return services;
    }
}
