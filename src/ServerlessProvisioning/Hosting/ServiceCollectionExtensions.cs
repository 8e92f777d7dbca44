using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Notifications.Acs;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Activities;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Hosting;

/// <summary>Registers the product's services; both hosts call it, so they run the same code with the same configuration.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Adds options (validated at start), storage, matching, the workflow's activities, the API and the email sender.</summary>
    public static IServiceCollection AddProvisioning(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ProvisioningOptions>()
            .Bind(configuration.GetSection(ProvisioningOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProvisioningOptions>, ProvisioningOptionsValidator>();
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new TableNames(TableNames.DefaultPrefix));
        services.TryAddSingleton(_ => CreateTableServiceClient(configuration));
        services.TryAddSingleton<TableInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<TableInitializer>());

        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ProvisioningOptions>>().Value;
            return new MatchingPolicy(FreeMailDomains.FromSetting(o.FreeMailDomains), o.AbandonedAfter);
        });
        services.TryAddSingleton<OrganizationStore>();
        services.TryAddSingleton<OrganizationMatcher>();
        services.TryAddSingleton<OrganizationImporter>();
        services.TryAddSingleton(sp => new LinkTokenKey(sp.GetRequiredService<IOptions<ProvisioningOptions>>().Value.LinkTokenSecret));
        services.TryAddSingleton<LinkTokens>();
        services.TryAddSingleton<OrderStore>();
        var email = configuration.GetSection(EmailOptions.Section).Get<EmailOptions>() ?? new EmailOptions();
        if (email.UsesAcs)
        {
            // Validates at once: a malformed Email:* key stops the host with a message naming it.
            services.AddAcsEmail(email);
        }

        // Without ACS the host brings its own email sender (the local host: the local mailbox).
        services.AddHttpClient(OrderCallbackClient.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.TryAddSingleton<IOrderCallback, OrderCallbackClient>();
        services.AddProvisioningActivities();
        services.TryAddSingleton<RetentionPurger>();

        services.TryAddSingleton<WorkflowGateway>();
        services.TryAddSingleton<OrderWebhookApi>();
        services.TryAddSingleton<OrdersApi>();
        services.TryAddSingleton<WizardApi>();
        services.TryAddSingleton<ApprovalsApi>();
        services.TryAddSingleton<OrganizationsApi>();
        return services;
    }

    /// <summary>
    /// The storage the product uses: <c>AzureWebJobsStorage</c> as a connection string, or its identity-based
    /// form (<c>AzureWebJobsStorage:accountName</c> or <c>:tableServiceUri</c>) with the managed identity.
    /// </summary>
    public static TableServiceClient CreateTableServiceClient(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[ConfigurationKeys.Storage];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new TableServiceClient(connectionString);
        }

        var section = configuration.GetSection(ConfigurationKeys.Storage);
        var uri = section["tableServiceUri"] ?? (section["accountName"] is { Length: > 0 } account ? $"https://{account}.table.core.windows.net" : null);
        if (uri is null)
        {
            throw new OptionsValidationException(ConfigurationKeys.Storage, typeof(TableServiceClient), [$"{ConfigurationKeys.Storage} is required: a connection string, or {ConfigurationKeys.Storage}__accountName for managed identity."]);
        }

        var clientId = section["clientId"];
        return new TableServiceClient(new Uri(uri), clientId is null ? new DefaultAzureCredential() : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId)));
    }
}

/// <summary>Cross-field checks the attributes cannot express; each message names its key.</summary>
public sealed class ProvisioningOptionsValidator : IValidateOptions<ProvisioningOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ProvisioningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"Provisioning:{key} must be a positive duration such as 30.00:00:00.");
            }
        }

        Positive(options.InvitationLifetime, nameof(options.InvitationLifetime));
        Positive(options.ApprovalLifetime, nameof(options.ApprovalLifetime));
        Positive(options.AbandonedAfter, nameof(options.AbandonedAfter));
        Positive(options.CompletedRetention, nameof(options.CompletedRetention));
        if (options.InvitationReminderBefore < TimeSpan.Zero || options.InvitationReminderBefore >= options.InvitationLifetime && options.InvitationLifetime > TimeSpan.Zero && options.InvitationReminderBefore != TimeSpan.Zero)
        {
            failures.Add("Provisioning:InvitationReminderBefore must be shorter than Provisioning:InvitationLifetime (0 turns the reminder off).");
        }

        if (options.ApprovalReminderBefore < TimeSpan.Zero || options.ApprovalReminderBefore >= options.ApprovalLifetime && options.ApprovalLifetime > TimeSpan.Zero && options.ApprovalReminderBefore != TimeSpan.Zero)
        {
            failures.Add("Provisioning:ApprovalReminderBefore must be shorter than Provisioning:ApprovalLifetime (0 turns the reminder off).");
        }

        if (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            failures.Add("Provisioning:PublicBaseUrl must be an absolute http(s) URL.");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
