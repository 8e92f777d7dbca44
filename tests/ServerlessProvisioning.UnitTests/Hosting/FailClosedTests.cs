using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Hosting;

namespace ServerlessProvisioning.UnitTests.Hosting;

/// <summary>
/// A host that would quietly do the wrong thing stops instead: outside Development without ACS no email would leave
/// it, the outcome callback, which carries outcomes and a signature, goes over https (or to this machine), and a
/// secret that is still a Key Vault reference is not used as the secret.
/// </summary>
public class FailClosedTests
{
    sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    static EmailOptions EmailIn(string environment, Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section);
        services.RequireEmailOutsideDevelopment(new Environment(environment));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<EmailOptions>>().Value;
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Outside_Development_a_host_without_ACS_refuses_to_start(string environment)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => EmailIn(environment, []));

        Assert.Contains("required outside Development", failure.Message, StringComparison.Ordinal);
        Assert.Contains(environment, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_ACS_or_in_Development_it_starts()
    {
        var acs = new Dictionary<string, string?> { ["Email:AcsEndpoint"] = "https://acs.example.communication.azure.com", ["Email:SenderAddress"] = "DoNotReply@example.com" };

        Assert.True(EmailIn(Environments.Production, acs).UsesAcs);
        Assert.False(EmailIn(Environments.Development, []).UsesAcs);
    }

    static ProvisioningOptions Valid(string? callback) => new()
    {
        OrderWebhookSecret = "0123456789abcdef0123456789abcdef",
        LinkTokenSecret = "0123456789abcdef0123456789abcdef",
        PublicBaseUrl = "https://provisioning.example.com",
        OrderCallbackUrl = callback,
    };

    [Theory]
    [InlineData(null, true)]
    [InlineData("https://orders.example.com/provisioning/callback", true)]
    [InlineData("http://127.0.0.1:5081/callback", true)]
    [InlineData("http://localhost:5081/callback", true)]
    [InlineData("http://[::1]:5081/callback", true)]
    [InlineData("http://orders.example.com/provisioning/callback", false)]
    [InlineData("http://10.0.0.5/callback", false)]
    [InlineData("ftp://orders.example.com/callback", false)]
    [InlineData("orders.example.com/callback", false)]
    public void The_outcome_callback_is_https_except_to_this_machine(string? callback, bool valid)
    {
        var result = new ProvisioningOptionsValidator().Validate(null, Valid(callback));

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Provisioning:OrderCallbackUrl must be an https URL", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    // What AddProvisioning reads at start-up, all valid; a test replaces one secret with a reference.
    static Dictionary<string, string?> ValidSettings() => new()
    {
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        ["Provisioning:OrderWebhookSecret"] = "0123456789abcdef0123456789abcdef",
        ["Provisioning:LinkTokenSecret"] = "fedcba9876543210fedcba9876543210",
        ["Provisioning:OperatorKey"] = "op-0123456789abcdef",
        ["Provisioning:PublicBaseUrl"] = "https://provisioning.example.com",
        ["Email:AcsConnectionString"] = "endpoint=https://res.communication.azure.com/;accesskey=c2VjcmV0LWtleS1ieXRlcy10aGF0LW11c3Qtc3RheS1oaWRkZW4=",
        ["Email:SenderAddress"] = "DoNotReply@example.com",
    };

    // As both hosts do: AddProvisioning (which checks an ACS key at once), then the ValidateOnStart checks the host
    // runs before it starts.
    static void StartAsTheHostDoes(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddProvisioning(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    public static TheoryData<string, string> SecretsAndReferences()
    {
        string[] secrets = ["Provisioning:OrderWebhookSecret", "Provisioning:LinkTokenSecret", "Provisioning:OperatorKey", "Email:AcsConnectionString"];
        string[] references =
        [
            "@Microsoft.KeyVault(SecretUri=https://kv-x1y2z3.vault.azure.net/secrets/Reference-Value-Marker/)",
            "@Microsoft.KeyVault(VaultName=kv-x1y2z3;SecretName=Reference-Value-Marker)",
            "  @microsoft.keyvault(secreturi=https://kv-x1y2z3.vault.azure.net/secrets/Reference-Value-Marker/0123456789abcdef)\t",
            "\n@MICROSOFT.KEYVAULT(VAULTNAME=kv-x1y2z3;SECRETNAME=Reference-Value-Marker;SECRETVERSION=01)  ",
        ];
        var data = new TheoryData<string, string>();
        foreach (var secret in secrets)
        {
            foreach (var reference in references)
            {
                data.Add(secret, reference);
            }
        }

        return data;
    }

    [Fact]
    public void The_valid_settings_start()
    {
        // The failures below are only worth something if the settings they start from pass.
        Assert.Null(Record.Exception(() => StartAsTheHostDoes(ValidSettings())));
    }

    [Theory]
    [MemberData(nameof(SecretsAndReferences))]
    public void A_secret_that_is_still_a_Key_Vault_reference_stops_the_host_with_one_line_naming_it(string key, string reference)
    {
        var settings = ValidSettings();
        settings[key] = reference;

        var failure = Assert.Throws<OptionsValidationException>(() => StartAsTheHostDoes(settings));

        var line = Assert.Single(failure.Failures);
        Assert.Equal($"{key} is an unresolved Key Vault reference: the app's identity cannot read the secret (check the Key Vault role assignment and the reference).", line);
        Assert.Equal(line, failure.Message);
        Assert.DoesNotContain("Reference-Value-Marker", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("kv-x1y2z3", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s)", true)]
    [InlineData(" \t@microsoft.KEYVAULT(VaultName=kv;SecretName=s)\r\n", true)]
    [InlineData("@Microsoft.KeyVault(SecretUri=", true)]
    [InlineData("0123456789abcdef0123456789abcdef", false)]
    [InlineData("secret-mentioning-@Microsoft.KeyVault(inside", false)]
    [InlineData("@Microsoft.KeyVaultish", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void A_Key_Vault_reference_is_recognised_in_any_case_with_surrounding_whitespace(string? value, bool unresolved)
    {
        Assert.Equal(unresolved, KeyVaultReference.IsUnresolved(value));
    }
}
