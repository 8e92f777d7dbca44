using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Hosting;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>
/// local.settings.sample.json, copied to local.settings.json, starts `func start`: its Values pass the product's real
/// start-up validation, the one that stops the host at once when a required key is missing.
/// </summary>
public class LocalSettingsSampleTests
{
    // Functions hands Values to the worker as environment variables, where "__" stands for ":".
    static Dictionary<string, string?> SampleValues()
    {
        var path = Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "local.settings.sample.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(v => v.Name.Replace("__", ":", StringComparison.Ordinal), v => (string?)v.Value.GetString(), StringComparer.OrdinalIgnoreCase);
    }

    // AddProvisioning binds ProvisioningOptions and EmailOptions with ValidateOnStart; the host runs IStartupValidator before it starts.
    static void ValidateAsTheHostDoes(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddProvisioning(configuration);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void The_sample_passes_the_start_up_validation()
    {
        var values = SampleValues();

        var exception = Record.Exception(() => ValidateAsTheHostDoes(values));

        Assert.Null(exception);
    }

    [Fact]
    public void The_sample_sets_every_required_secret_with_a_placeholder_that_names_itself()
    {
        var values = SampleValues();

        Assert.StartsWith("replace-with-", values["Provisioning:OrderWebhookSecret"], StringComparison.Ordinal);
        Assert.StartsWith("replace-with-", values["Provisioning:LinkTokenSecret"], StringComparison.Ordinal);
        Assert.StartsWith("replace-with-", values["Provisioning:OperatorKey"], StringComparison.Ordinal);
        Assert.NotEqual(values["Provisioning:OrderWebhookSecret"], values["Provisioning:LinkTokenSecret"]);
    }

    [Fact]
    public void Without_the_link_token_secret_the_validation_stops_the_host_naming_the_key()
    {
        // The check above is only worth something if the validation really stops a sample that lacks a required key.
        var values = SampleValues();
        values.Remove("Provisioning:LinkTokenSecret");

        var exception = Assert.Throws<OptionsValidationException>(() => ValidateAsTheHostDoes(values));

        Assert.Contains("LinkTokenSecret", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_key_in_the_sample_is_one_the_code_or_the_Functions_host_reads()
    {
        string[] host = ["FUNCTIONS_WORKER_RUNTIME", "TASKHUB_NAME"];

        var unknown = SampleValues().Keys
            .Where(k => !ConfigurationKeys.All.Contains(k, StringComparer.OrdinalIgnoreCase) && !host.Contains(k, StringComparer.Ordinal))
            .ToList();

        Assert.True(unknown.Count == 0, $"local.settings.sample.json sets keys nothing reads: {string.Join(", ", unknown)}");
    }
}
