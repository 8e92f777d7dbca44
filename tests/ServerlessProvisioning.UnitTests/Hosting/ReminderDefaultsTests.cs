using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Hosting;

namespace ServerlessProvisioning.UnitTests.Hosting;

/// <summary>
/// A shortened lifetime works on its own (<c>Provisioning__InvitationLifetime=00:00:20 ./run.sh</c>): a reminder left
/// unset follows the lifetime, and only one set explicitly can fail to fit.
/// </summary>
public class ReminderDefaultsTests
{
    static Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Provisioning:OrderWebhookSecret"] = "0123456789abcdef0123456789abcdef",
            ["Provisioning:LinkTokenSecret"] = "fedcba9876543210fedcba9876543210",
            ["Provisioning:PublicBaseUrl"] = "http://127.0.0.1:5080",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    // As the hosts do: AddProvisioning, then every ValidateOnStart check.
    static ProvisioningOptions Start(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddProvisioning(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider.GetRequiredService<IOptions<ProvisioningOptions>>().Value;
    }

    [Fact]
    public void With_the_default_lifetimes_the_reminders_are_7_and_2_days_before_the_deadlines()
    {
        var options = Start(Settings());

        Assert.Equal(TimeSpan.FromDays(7), options.InvitationReminder());
        Assert.Equal(TimeSpan.FromDays(2), options.ApprovalReminder());
    }

    [Fact]
    public void A_20_second_invitation_starts_and_reminds_at_the_same_share_of_its_lifetime()
    {
        var options = Start(Settings(("Provisioning:InvitationLifetime", "00:00:20"), ("Provisioning:ApprovalLifetime", "00:00:14")));

        Assert.InRange(options.InvitationReminder().TotalSeconds, 4.666, 4.667);
        Assert.InRange(options.ApprovalReminder().TotalSeconds, 3.999, 4.001);
    }

    [Fact]
    public void A_lifetime_longer_than_the_default_keeps_the_default_reminder()
    {
        var options = Start(Settings(("Provisioning:InvitationLifetime", "90.00:00:00")));

        Assert.Equal(TimeSpan.FromDays(7), options.InvitationReminder());
    }

    [Theory]
    [InlineData("00:00:05", 5)]
    [InlineData("00:00:00", 0)]
    public void A_reminder_set_explicitly_is_kept(string reminder, int seconds)
    {
        var options = Start(Settings(("Provisioning:InvitationLifetime", "00:00:20"), ("Provisioning:InvitationReminderBefore", reminder)));

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.InvitationReminder());
    }

    [Fact]
    public void A_reminder_set_explicitly_that_does_not_fit_stops_the_host_with_one_line_naming_both_settings()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Start(Settings(("Provisioning:InvitationLifetime", "00:00:20"), ("Provisioning:InvitationReminderBefore", "7.00:00:00"))));

        var line = Assert.Single(failure.Failures);
        Assert.Equal("Provisioning:InvitationReminderBefore (7.00:00:00) must be shorter than Provisioning:InvitationLifetime (00:00:20); 0 turns the reminder off, and left unset it follows the lifetime.", line);
    }
}
