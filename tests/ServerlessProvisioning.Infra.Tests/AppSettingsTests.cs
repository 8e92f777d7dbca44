using System.Globalization;
using System.Text.Json.Nodes;
using ServerlessProvisioning.Configuration;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// The function app's settings are exactly what the product reads (ConfigurationKeys.All, read at test time) plus
/// documented platform settings, so a key added to the code without deployment support fails here by name.
/// </summary>
public sealed class AppSettingsTests(InfraFixture infra)
{
    /// <summary>Product keys that Azure deliberately does not set, and why.</summary>
    public static IReadOnlyDictionary<string, string> DeliberatelyAbsent { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Email:AcsConnectionString"] = "in Azure email goes through Email:AcsEndpoint with the app's managed identity; the Communication Service has key authentication disabled",
    };

    /// <summary>Product keys set only when their deployment parameter is not empty, and why.</summary>
    public static IReadOnlyDictionary<string, string> OptionalKeys { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Provisioning:OrderCallbackUrl"] = "unset means no callback, while an empty value would fail the [Url] validation at start-up",
        ["Provisioning:FreeMailDomains"] = "unset means the built-in list",
    };

    /// <summary>Product keys written in another form in Azure.</summary>
    public static IReadOnlyDictionary<string, string> IdentityForms { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // The storage connection by managed identity: account name plus credential, no connection string.
        [ConfigurationKeys.Storage] = "AzureWebJobsStorage__accountName",
    };

    /// <summary>Platform settings the deployment may write besides the product's keys, and what reads each.</summary>
    public static IReadOnlyDictionary<string, string> PlatformSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage__credential"] = "identity-based AzureWebJobsStorage: use the managed identity",
        ["AzureWebJobsStorage__blobServiceUri"] = "identity-based AzureWebJobsStorage: explicit endpoints, right in every cloud",
        ["AzureWebJobsStorage__queueServiceUri"] = "identity-based AzureWebJobsStorage: the task hub's queues",
        ["AzureWebJobsStorage__tableServiceUri"] = "identity-based AzureWebJobsStorage: the task hub's and the product's tables",
        ["TASKHUB_NAME"] = "host.json: extensions.durableTask.hubName is %TASKHUB_NAME%",
        ["AzureWebJobsDisableHomepage"] = "the Functions host: no default page at /, which PageFunctions.RootPage redirects to the console",
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "the Functions host and the worker's telemetry exporter",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "telemetry signed with the managed identity (local auth is disabled)",
    };

    /// <summary>Settings Flex Consumption rejects or ignores (the runtime is in functionAppConfig).</summary>
    public static TheoryData<string> RejectedOnFlexConsumption { get; } =
    [
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_CONTENTSHARE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "AzureWebJobsStorage",
        "APPINSIGHTS_INSTRUMENTATIONKEY",
    ];

    private static string AppSettingName(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    private static HashSet<string> Expected(bool withOptionalKeys)
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in ConfigurationKeys.All)
        {
            if (DeliberatelyAbsent.ContainsKey(key) || (!withOptionalKeys && OptionalKeys.ContainsKey(key)))
            {
                continue;
            }

            expected.Add(IdentityForms.TryGetValue(key, out var form) ? form : AppSettingName(key));
        }

        expected.UnionWith(PlatformSettings.Keys);
        return expected;
    }

    private static void AssertSameSettings(HashSet<string> expected, IReadOnlyDictionary<string, string?> actual)
    {
        var missing = expected.Where(k => !actual.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var extra = actual.Keys.Where(k => !expected.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var problems = missing
            .Select(k => $"missing app setting {k}: the product reads it (ConfigurationKeys.All); add it to appSettings in infra/main.bicep, or list it in AppSettingsTests with the reason it is absent")
            .Concat(extra.Select(k => $"unexpected app setting {k}: neither a key the product reads nor a documented platform setting (AppSettingsTests.PlatformSettings)"))
            .ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    // A value known only after deployment: a reference to the given resource (any API version) and property.
    private static void AssertExpression(string start, string end, string? actual) =>
        Assert.True(actual is not null && actual.StartsWith(start, StringComparison.Ordinal) && actual.EndsWith(end, StringComparison.Ordinal),
            $"Expected {start}<api-version>{end}{Environment.NewLine}but was  {actual}");

    [Fact]
    public async Task App_settings_are_the_product_keys_plus_documented_platform_settings()
    {
        var snapshot = await infra.WithEveryOptionAsync();

        AssertSameSettings(Expected(withOptionalKeys: true), snapshot.AppSettings);
    }

    [Fact]
    public async Task Optional_keys_are_left_out_when_their_parameters_are_empty()
    {
        var snapshot = await infra.WithDefaultsAsync();

        AssertSameSettings(Expected(withOptionalKeys: false), snapshot.AppSettings);
    }

    [Fact]
    public async Task Optional_keys_carry_their_parameters()
    {
        var settings = (await infra.WithEveryOptionAsync()).AppSettings;

        Assert.Equal(InfraFixture.OrderCallbackUrl, settings["Provisioning__OrderCallbackUrl"]);
        Assert.Equal(InfraFixture.FreeMailDomains, settings["Provisioning__FreeMailDomains"]);
    }

    [Fact]
    public void Every_listed_exception_is_still_a_product_key()
    {
        var stale = DeliberatelyAbsent.Keys.Concat(OptionalKeys.Keys).Concat(IdentityForms.Keys)
            .Where(k => !ConfigurationKeys.All.Contains(k))
            .ToList();

        Assert.True(stale.Count == 0, $"AppSettingsTests lists keys the product no longer reads: {string.Join(", ", stale)}");
    }

    [Theory]
    [MemberData(nameof(RejectedOnFlexConsumption))]
    public async Task Flex_consumption_settings_that_belong_elsewhere_are_absent(string name)
    {
        var settings = (await infra.WithEveryOptionAsync()).AppSettings;

        Assert.False(settings.ContainsKey(name), $"{name} must not be an app setting on Flex Consumption (runtime: functionAppConfig; storage: identity form).");
    }

    [Fact]
    public async Task Durations_default_to_the_product_defaults()
    {
        // Every TimeSpan option is set explicitly, with the same default the code has (constant "c" format).
        var settings = (await infra.WithDefaultsAsync()).AppSettings;
        var defaults = new ProvisioningOptions();

        foreach (var property in typeof(ProvisioningOptions).GetProperties().Where(p => p.PropertyType == typeof(TimeSpan)))
        {
            var name = AppSettingName($"{ProvisioningOptions.Section}:{property.Name}");
            var expected = ((TimeSpan)property.GetValue(defaults)!).ToString("c", CultureInfo.InvariantCulture);
            Assert.True(settings.TryGetValue(name, out var actual), $"missing app setting {name}");
            Assert.True(expected == actual, $"{name} defaults to {actual} in infra/main.bicep but to {expected} in ProvisioningOptions.");
        }
    }

    [Fact]
    public async Task Storage_is_reached_with_the_managed_identity()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var settings = snapshot.AppSettings;
        var storage = snapshot.Only("Microsoft.Storage/storageAccounts");

        Assert.Equal(storage.StringAt("name"), settings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.DoesNotContain(settings.Values, v => v is not null && v.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_webhook_secret_is_a_key_vault_reference_and_never_in_clear()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var reference = snapshot.AppSettings["Provisioning__OrderWebhookSecret"];
        var secret = Assert.Single(snapshot.OfType("Microsoft.KeyVault/vaults/secrets"), r => r.StringAt("name")!.EndsWith("/OrderWebhookSecret", StringComparison.Ordinal));

        Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri={0})'", reference, StringComparison.Ordinal);
        Assert.Contains("/secrets/OrderWebhookSecret'", reference, StringComparison.Ordinal);
        Assert.EndsWith("/OrderWebhookSecret", secret.StringAt("name"), StringComparison.Ordinal);
        Assert.DoesNotContain(InfraFixture.WebhookSecret, snapshot.Root.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_operator_key_is_a_key_vault_reference_and_never_in_clear()
    {
        // The worker checks it (the operator routes are anonymous to the Functions host); versionless, so a new
        // secret version replaces a leaked key at the next restart.
        var snapshot = await infra.WithDefaultsAsync();
        var reference = snapshot.AppSettings["Provisioning__OperatorKey"];

        Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri={0})'", reference, StringComparison.Ordinal);
        Assert.Contains("/secrets/OperatorKey'", reference, StringComparison.Ordinal);
        Assert.Single(snapshot.OfType("Microsoft.KeyVault/vaults/secrets"), r => r.StringAt("name")!.EndsWith("/OperatorKey", StringComparison.Ordinal));
        Assert.DoesNotContain(InfraFixture.OperatorKey, snapshot.Root.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(InfraFixture.OperatorKey, (await infra.WithEveryOptionAsync()).Outputs.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_link_token_key_is_a_key_vault_reference_and_never_in_clear()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var reference = snapshot.AppSettings["Provisioning__LinkTokenSecret"];

        Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri={0})'", reference, StringComparison.Ordinal);
        Assert.Contains("/secrets/LinkTokenSecret'", reference, StringComparison.Ordinal);
        Assert.DoesNotContain(InfraFixture.LinkTokenSecret, snapshot.Root.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Email_is_sent_from_the_managed_domain_through_the_communication_service_endpoint()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var settings = snapshot.AppSettings;
        var communication = snapshot.Only("Microsoft.Communication/communicationServices");
        var domain = snapshot.Only("Microsoft.Communication/emailServices/domains");

        AssertExpression($"[format('https://{{0}}', reference('{communication.StringAt("id")}', '", "').hostName)]", settings["Email__AcsEndpoint"]);
        AssertExpression($"[format('DoNotReply@{{0}}', reference('{domain.StringAt("id")}', '", "').mailFromSenderDomain)]", settings["Email__SenderAddress"]);
        Assert.Equal(snapshot.Outputs.StringAt("AZURE_COMMUNICATION_SERVICE_ENDPOINT"), settings["Email__AcsEndpoint"]);
        Assert.Equal(snapshot.Outputs.StringAt("EMAIL_SENDER_ADDRESS"), settings["Email__SenderAddress"]);
    }

    [Fact]
    public async Task Links_in_emails_point_at_the_function_app_itself()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var site = snapshot.Only("Microsoft.Web/sites");

        AssertExpression($"[format('https://{{0}}', reference('{site.StringAt("id")}', '", "').defaultHostName)]", snapshot.AppSettings["Provisioning__PublicBaseUrl"]);
        Assert.Equal(snapshot.Outputs.StringAt("SERVICE_API_URI"), snapshot.AppSettings["Provisioning__PublicBaseUrl"]);
    }

    [Fact]
    public async Task Telemetry_is_sent_with_microsoft_entra_authentication()
    {
        var settings = (await infra.WithDefaultsAsync()).AppSettings;

        Assert.Equal("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    }

    [Theory]
    [InlineData(false, "dev", "provisioningdev")]
    [InlineData(true, InfraFixture.EnvironmentNameWithSeparators, "provisioningprodeu2a")]
    public async Task The_task_hub_is_named_per_environment_in_letters_and_digits(bool everyOption, string environment, string expected)
    {
        var snapshot = everyOption ? await infra.WithEveryOptionAsync() : await infra.WithDefaultsAsync();
        var hub = snapshot.AppSettings["TASKHUB_NAME"];

        Assert.Equal(environment, snapshot.Only("Microsoft.Resources/resourceGroups").At("tags").StringAt("azd-env-name"));
        Assert.Equal(expected, hub);
        Assert.Matches("^[a-z][a-z0-9]{2,44}$", hub);
    }

    [Fact]
    public void Host_json_takes_the_task_hub_name_from_TASKHUB_NAME()
    {
        // The reason TASKHUB_NAME is a platform setting; if host.json stops reading it, the setting is dead.
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "host.json")))!;

        Assert.Equal("%TASKHUB_NAME%", (string?)host["extensions"]?["durableTask"]?["hubName"]);
    }
}
