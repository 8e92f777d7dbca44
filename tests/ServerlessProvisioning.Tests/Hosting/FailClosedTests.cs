using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Hosting;

namespace ServerlessProvisioning.Tests.Hosting;

/// <summary>
/// A host that would quietly do the wrong thing stops instead: outside Development without ACS no email would leave
/// it, and the outcome callback, which carries outcomes and a signature, goes over https (or to this machine).
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
}
