using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Notifications.Acs;

namespace ServerlessProvisioning.UnitTests.Notifications.Acs;

public class EmailOptionsValidatorTests
{
    const string Key = "c2VjcmV0LWtleS1ieXRlcy10aGF0LW11c3Qtc3RheS1oaWRkZW4=";
    const string ConnectionString = "endpoint=https://res.communication.azure.com/;accesskey=" + Key;

    static ValidateOptionsResult Validate(EmailOptions options) => new EmailOptionsValidator().Validate(Options.DefaultName, options);

    [Fact]
    public void Without_ACS_keys_nothing_is_required()
    {
        Assert.True(Validate(new EmailOptions()).Succeeded);
    }

    [Theory]
    [InlineData(ConnectionString, null)]
    [InlineData(null, "https://res.communication.azure.com")]
    public void With_either_ACS_key_the_sender_address_is_required(string? connectionString, string? endpoint)
    {
        var result = Validate(new EmailOptions { AcsConnectionString = connectionString, AcsEndpoint = endpoint });

        Assert.True(result.Failed);
        Assert.Contains("Email:SenderAddress is required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("Contoso <DoNotReply@contoso.test>")]
    public void A_malformed_sender_address_names_its_key(string sender)
    {
        var result = Validate(new EmailOptions { AcsConnectionString = ConnectionString, SenderAddress = sender });

        Assert.Contains("Email:SenderAddress must be a plain email address", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_connection_string_names_its_key_and_not_the_secret()
    {
        var result = Validate(new EmailOptions { AcsConnectionString = "endpoint=nope;accesskey=" + Key, SenderAddress = "DoNotReply@contoso.test" });

        Assert.Contains("Email:AcsConnectionString is malformed: ", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://res.communication.azure.com")]
    [InlineData("res.communication.azure.com")]
    public void An_endpoint_that_is_not_absolute_https_names_its_key(string endpoint)
    {
        var result = Validate(new EmailOptions { AcsEndpoint = endpoint, SenderAddress = "DoNotReply@contoso.test" });

        Assert.Contains("Email:AcsEndpoint must be an absolute https URI", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_keys_valid_is_valid()
    {
        Assert.True(Validate(new EmailOptions { AcsConnectionString = ConnectionString, AcsEndpoint = "https://other.communication.azure.com", SenderAddress = "DoNotReply@contoso.test" }).Succeeded);
    }

    [Fact]
    public void A_host_validating_on_start_gets_a_message_naming_the_key()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.AddOptions<EmailOptions>().Configure(o => o.AcsEndpoint = "https://res.communication.azure.com").ValidateOnStart();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EmailOptions>>().Value);

        Assert.Contains("Email:SenderAddress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAcsEmail_refuses_invalid_options_naming_the_key()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<OptionsValidationException>(() =>
            services.AddAcsEmail(new EmailOptions { AcsConnectionString = "accesskey=" + Key, SenderAddress = "DoNotReply@contoso.test" }));

        Assert.Contains("Email:AcsConnectionString is malformed: The ACS connection string has no 'endpoint'.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAcsEmail_without_ACS_keys_says_to_use_the_local_mailbox()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddAcsEmail(new EmailOptions()));

        Assert.Contains("local mailbox", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAcsEmail_registers_the_sender_and_the_validator()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAcsEmail(new EmailOptions { AcsConnectionString = ConnectionString, SenderAddress = "DoNotReply@contoso.test" });
        using var provider = services.BuildServiceProvider();

        Assert.IsType<AcsEmailSender>(provider.GetRequiredService<IEmailSender>());
        Assert.Contains(provider.GetServices<IValidateOptions<EmailOptions>>(), v => v is EmailOptionsValidator);
        Assert.Equal(new Uri("https://res.communication.azure.com/"), provider.GetRequiredService<AcsEmailClient>().Endpoint);
    }
}
