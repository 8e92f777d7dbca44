using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Notifications.Acs;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
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
        services.AddStorageClients(configuration);
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
        services.TryAddSingleton<OrganizationExporter>();
        services.TryAddSingleton<DirectoryBackup>();
        services.TryAddSingleton(sp => new LinkTokenKey(sp.GetRequiredService<IOptions<ProvisioningOptions>>().Value.LinkTokenSecret));
        services.TryAddSingleton<LinkTokens>();
        services.TryAddSingleton<OrderStore>();
        services.TryAddSingleton<CandidateStore>();
        services.TryAddSingleton<EmailDeliveries>();
        services.TryAddSingleton<OrderEmail>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrderDataOwner, EmailMessagesOwner>());
        var email = configuration.GetSection(EmailOptions.Section).Get<EmailOptions>() ?? new EmailOptions();
        if (email.UsesAcs)
        {
            // Validates at once: a malformed Email:* key stops the host with a message naming it.
            services.AddAcsEmail(email, AzureIdentity.ForHost(configuration).CreateCredential());
        }

        // Without ACS the host brings its own email sender (the local host: the local mailbox).
        // Redirects are not followed: a 307/308 would resend the signed outcome wherever the answer points, and the
        // order would count as reported. A 3xx is a failed delivery, retried like any other.
        services.AddHttpClient(OrderCallbackClient.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddSingleton<IOrderCallback, OrderCallbackClient>();
        services.AddProvisioningActivities();
        services.TryAddSingleton<AuditArchive>();
        services.TryAddSingleton<RetentionPurger>();

        services.TryAddSingleton<WorkflowGateway>();
        services.TryAddSingleton<PendingApprovals>();
        services.TryAddSingleton<OrderWaitsApi>();
        services.TryAddSingleton<OrderReopener>();
        services.TryAddSingleton<ContinuationTokens>();
        services.TryAddSingleton(WorkflowRelease.Current);
        services.TryAddSingleton<OrderWebhookApi>();
        services.TryAddSingleton<OrdersApi>();
        services.TryAddSingleton<WizardApi>();
        services.TryAddSingleton<AdminAdditions>();
        services.TryAddSingleton<ApprovalsApi>();
        services.TryAddSingleton<OrganizationsApi>();
        services.TryAddSingleton<EmailEventsApi>();
        return services;
    }

    // Retention forgets an order's message ids with the order (the workflow's purger knows owners, not the table).
    sealed class EmailMessagesOwner(EmailDeliveries deliveries) : IOrderDataOwner
    {
        public Task DeleteOrderAsync(string orderId, CancellationToken cancellationToken) => deliveries.DeleteOrderAsync(orderId, cancellationToken);
    }

    /// <summary>
    /// The Azure SDK clients, through Microsoft.Extensions.Azure. Storage is <c>AzureWebJobsStorage</c>, read as the
    /// Functions host reads it: a connection string (Azurite, or a key where keys are allowed), or its identity-based
    /// form (<c>AzureWebJobsStorage:accountName</c> or <c>:tableServiceUri</c>, with <c>:credential</c>,
    /// <c>:clientId</c>) signed in as <see cref="AzureIdentity.ForConnection"/> decides: the managed identity in Azure.
    /// </summary>
    public static IServiceCollection AddStorageClients(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var storage = configuration.GetSection(ConfigurationKeys.Storage);

        // AddAzureClients forwards every Azure SDK event source in the process to ILogger, the durable provider's
        // queue and blob polling included: at Information that is several request/response logs a second, in a
        // terminal or in Application Insights. Warnings and failures are what anyone needs from it.
        services.AddLogging(logging => logging.AddFilter("Azure.Core", LogLevel.Warning));
        services.AddAzureClients(clients =>
        {
            // Any client registered without a credential of its own signs in as the app.
            clients.UseCredential(_ => AzureIdentity.ForHost(configuration).CreateCredential());
            if (!string.IsNullOrWhiteSpace(storage.Value))
            {
                clients.AddTableServiceClient(storage.Value);
                clients.AddBlobServiceClient(storage.Value);
            }
            else if (TableServiceUri(storage) is { } uri)
            {
                clients.AddTableServiceClient(uri).WithCredential(AzureIdentity.ForConnection(storage, configuration).CreateCredential());
                // The archive (directory exports, purged orders' audit) is in the same account's blobs.
                if (BlobServiceUri(storage) is { } blobs)
                {
                    clients.AddBlobServiceClient(blobs).WithCredential(AzureIdentity.ForConnection(storage, configuration).CreateCredential());
                }
                else
                {
                    clients.AddClient<BlobServiceClient, BlobClientOptions>(_ => throw new OptionsValidationException(
                        ConfigurationKeys.Storage,
                        typeof(BlobServiceClient),
                        [$"{ConfigurationKeys.Storage}__blobServiceUri (or __accountName) is required: the archive of directory exports and purged audit is in blobs."]));
                }
            }
            else
            {
                // Fails where the tables are first needed (at start), naming the key, as it always has.
                string[] missing = [$"{ConfigurationKeys.Storage} is required: a connection string, or {ConfigurationKeys.Storage}__accountName for managed identity."];
                clients.AddClient<TableServiceClient, TableClientOptions>(_ => throw new OptionsValidationException(ConfigurationKeys.Storage, typeof(TableServiceClient), missing));
                clients.AddClient<BlobServiceClient, BlobClientOptions>(_ => throw new OptionsValidationException(ConfigurationKeys.Storage, typeof(BlobServiceClient), missing));
            }
        });
        return services;
    }

    /// <summary>The blob endpoint of an identity-based storage connection: <c>blobServiceUri</c>, else the account's public endpoint.</summary>
    public static Uri? BlobServiceUri(IConfigurationSection storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return storage["blobServiceUri"] is { Length: > 0 } uri ? new Uri(uri)
            : storage["accountName"] is { Length: > 0 } account ? new Uri($"https://{account}.blob.core.windows.net")
            : null;
    }

    /// <summary>The table endpoint of an identity-based storage connection: <c>tableServiceUri</c>, else the account's public endpoint.</summary>
    public static Uri? TableServiceUri(IConfigurationSection storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return storage["tableServiceUri"] is { Length: > 0 } uri ? new Uri(uri)
            : storage["accountName"] is { Length: > 0 } account ? new Uri($"https://{account}.table.core.windows.net")
            : null;
    }
}

/// <summary>Fails closed: outside Development, a host must send mail through ACS rather than keep it in a table.</summary>
public static class EmailRequirement
{
    /// <summary>Stops the host at start when <c>Email:*</c> does not point at ACS and the environment is not Development.</summary>
    public static IServiceCollection RequireEmailOutsideDevelopment(this IServiceCollection services, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        services.AddOptions<EmailOptions>()
            .Validate(
                email => email.UsesAcs || environment.IsDevelopment(),
                $"Email:AcsEndpoint (or Email:AcsConnectionString) and Email:SenderAddress are required outside Development (this host runs as '{environment.EnvironmentName}'): without them no email would leave the host.")
            .ValidateOnStart();
        return services;
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

        // In Azure the secrets are Key Vault references; one the app cannot read stays the reference text, no secret at all.
        void Resolved(string? value, string key)
        {
            if (KeyVaultReference.IsUnresolved(value))
            {
                failures.Add(KeyVaultReference.Failure($"{ProvisioningOptions.Section}:{key}"));
            }
        }

        Resolved(options.OrderWebhookSecret, nameof(options.OrderWebhookSecret));
        Resolved(options.LinkTokenSecret, nameof(options.LinkTokenSecret));
        Resolved(options.OperatorKey, nameof(options.OperatorKey));
        Positive(options.InvitationLifetime, nameof(options.InvitationLifetime));
        Positive(options.ApprovalLifetime, nameof(options.ApprovalLifetime));
        Positive(options.AbandonedAfter, nameof(options.AbandonedAfter));
        Positive(options.CompletedRetention, nameof(options.CompletedRetention));
        // Only a reminder set explicitly can fail to fit: unset, it follows the lifetime (ProvisioningOptions.InvitationReminder).
        void Fits(TimeSpan? reminder, TimeSpan lifetime, string key, string lifetimeKey)
        {
            if (reminder is { } before && (before < TimeSpan.Zero || before >= lifetime && lifetime > TimeSpan.Zero && before != TimeSpan.Zero))
            {
                failures.Add($"Provisioning:{key} ({before:c}) must be shorter than Provisioning:{lifetimeKey} ({lifetime:c}); 0 turns the reminder off, and left unset it follows the lifetime.");
            }
        }

        Fits(options.InvitationReminderBefore, options.InvitationLifetime, nameof(options.InvitationReminderBefore), nameof(options.InvitationLifetime));
        Fits(options.ApprovalReminderBefore, options.ApprovalLifetime, nameof(options.ApprovalReminderBefore), nameof(options.ApprovalLifetime));

        if (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            failures.Add("Provisioning:PublicBaseUrl must be an absolute http(s) URL.");
        }

        // The callback carries order outcomes and a signature: https only, except to this machine for local runs.
        if (!string.IsNullOrWhiteSpace(options.OrderCallbackUrl)
            && !(Uri.TryCreate(options.OrderCallbackUrl, UriKind.Absolute, out var callback) && (callback.Scheme == Uri.UriSchemeHttps || (callback.Scheme == Uri.UriSchemeHttp && callback.IsLoopback))))
        {
            failures.Add("Provisioning:OrderCallbackUrl must be an https URL (http only to a loopback address such as http://127.0.0.1:5081/).");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
