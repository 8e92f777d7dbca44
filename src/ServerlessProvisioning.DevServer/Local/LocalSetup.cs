using System.Security.Cryptography;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.DevServer.Local;

/// <summary>
/// What the local host fills in so it runs with no configuration: Azurite (unless <c>AzureWebJobsStorage</c>
/// is set), a development webhook secret and operator key (printed), its own URL as the links' base, and on the
/// Azurite it starts the sample organizations.
/// </summary>
public sealed class LocalSetup : IAsyncDisposable
{
    /// <summary>The <c>--seed</c> value that starts with an empty directory.</summary>
    public const string NoSeed = "none";

    /// <summary>The sample organizations, relative to the repository root.</summary>
    public static readonly string DefaultSeed = Path.Combine("samples", "organizations.json");

    /// <summary>The default address when no <c>--urls</c> is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The Azurite this host started, if any.</summary>
    public AzuriteProcess? Azurite { get; private set; }

    /// <summary>The generated webhook secret, when none was configured.</summary>
    public string? GeneratedWebhookSecret { get; private set; }

    /// <summary>The generated operator key, when none was configured.</summary>
    public string? GeneratedOperatorKey { get; private set; }

    /// <summary>The URL this host serves.</summary>
    public string Url { get; private set; } = DefaultUrl;

    /// <summary>
    /// The organizations file to load before serving: <c>--seed</c>'s, else on the Azurite this host started (empty,
    /// in memory) the repository's <c>samples/organizations.json</c>, wherever the host is started from. Null: none
    /// (<c>--seed none</c>, or storage of its own, whose organizations a re-import would replace).
    /// </summary>
    public string? Seed(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration["seed"] switch
        {
            null => Azurite is not null && AzuriteProcess.FindRepositoryRoot() is { } root && File.Exists(Path.Combine(root, DefaultSeed)) ? Path.Combine(root, DefaultSeed) : null,
            var given when string.IsNullOrWhiteSpace(given) || given.Equals(NoSeed, StringComparison.OrdinalIgnoreCase) => null,
            var given => given,
        };
    }

    /// <summary>Applies the defaults to the builder's configuration, starting Azurite when needed.</summary>
    public static async Task<LocalSetup> ApplyAsync(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var setup = new LocalSetup();
        var configuration = builder.Configuration;
        var defaults = new Dictionary<string, string?>();

        var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"];
        if (string.IsNullOrWhiteSpace(urls))
        {
            builder.WebHost.UseUrls(DefaultUrl);
            urls = DefaultUrl;
        }

        setup.Url = urls.Split(';', StringSplitOptions.RemoveEmptyEntries)[0].Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).TrimEnd('/');

        if (string.IsNullOrWhiteSpace(configuration[ConfigurationKeys.Storage]) && string.IsNullOrWhiteSpace(configuration[$"{ConfigurationKeys.Storage}:accountName"]))
        {
            setup.Azurite = await AzuriteProcess.StartAsync();
            defaults[ConfigurationKeys.Storage] = setup.Azurite.ConnectionString;
        }

        if (string.IsNullOrWhiteSpace(configuration["Provisioning:OrderWebhookSecret"]))
        {
            setup.GeneratedWebhookSecret = "dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            defaults["Provisioning:OrderWebhookSecret"] = setup.GeneratedWebhookSecret;
        }

        if (string.IsNullOrWhiteSpace(configuration["Provisioning:LinkTokenSecret"]))
        {
            // Nobody needs to know it; with storage that outlives this process, set it so links survive a restart.
            defaults["Provisioning:LinkTokenSecret"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        }

        if (string.IsNullOrWhiteSpace(configuration["Provisioning:OperatorKey"]))
        {
            setup.GeneratedOperatorKey = "op-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            defaults["Provisioning:OperatorKey"] = setup.GeneratedOperatorKey;
        }

        if (string.IsNullOrWhiteSpace(configuration["Provisioning:PublicBaseUrl"]))
        {
            defaults["Provisioning:PublicBaseUrl"] = setup.Url;
        }

        configuration.AddInMemoryCollection(defaults);
        return setup;
    }

    /// <summary>Stops the Azurite this host started, if any (also when the host fails to start).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Azurite is { } azurite)
        {
            Azurite = null;
            await azurite.DisposeAsync();
        }
    }
}
