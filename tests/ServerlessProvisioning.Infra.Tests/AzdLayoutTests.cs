using System.Text.Json;
using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>The files azd reads agree with the template: azure.yaml, main.parameters.json and the outputs.</summary>
public sealed partial class AzdLayoutTests(InfraFixture infra)
{
    [Fact]
    public void Azure_yaml_deploys_the_functions_project_as_the_api_service()
    {
        var lines = File.ReadAllLines(Path.Combine(BicepCli.RepositoryRoot, "azure.yaml"))
            .Where(l => !l.TrimStart().StartsWith('#'))
            .Select(l => l.TrimEnd())
            .ToList();

        // A small, fixed shape; read line by line rather than pulling in a YAML parser.
        var services = lines.IndexOf("services:");
        Assert.True(services >= 0, "azure.yaml has no services: section");
        Assert.Equal("  api:", lines[services + 1]);
        var api = lines.Skip(services + 2).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.Contains("project: ./src/ServerlessProvisioning.Functions", api);
        Assert.Contains("language: dotnet", api);
        Assert.Contains("host: function", api);
    }

    [Fact]
    public async Task Main_parameters_map_every_required_parameter_and_nothing_unknown()
    {
        using var template = JsonDocument.Parse((await infra.BuildAsync()).StandardOutput);
        using var parameters = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(BicepCli.InfraDirectory, "main.parameters.json"), TestContext.Current.CancellationToken));
        var declared = template.RootElement.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        var mapped = parameters.RootElement.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("value").GetString());

        Assert.All(mapped.Keys, name => Assert.True(declared.ContainsKey(name), $"main.parameters.json maps {name}, which main.bicep does not declare"));
        Assert.All(declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _)).Select(p => p.Key),
            name => Assert.True(mapped.ContainsKey(name), $"main.bicep requires {name}; map it in main.parameters.json"));
        Assert.Equal("${AZURE_ENV_NAME}", mapped["environmentName"]);
        Assert.Equal("${AZURE_LOCATION}", mapped["location"]);
        Assert.Equal("${ORDER_WEBHOOK_SECRET}", mapped["orderWebhookSecret"]);
        Assert.Equal("securestring", declared["orderWebhookSecret"].GetProperty("type").GetString());
        Assert.Equal("${LINK_TOKEN_SECRET}", mapped["linkTokenSecret"]);
        Assert.Equal("securestring", declared["linkTokenSecret"].GetProperty("type").GetString());
        Assert.Equal("${OPERATOR_KEY}", mapped["operatorKey"]);
        Assert.Equal("securestring", declared["operatorKey"].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Main_is_a_subscription_deployment_that_creates_the_environment_resource_group()
    {
        var group = (await infra.WithDefaultsAsync()).Only("Microsoft.Resources/resourceGroups");

        Assert.Equal("rg-dev", group.StringAt("name"));
        Assert.Equal("westeurope", group.StringAt("location"));
    }

    [Fact]
    public async Task Outputs_are_upper_snake_and_include_what_azd_and_the_runbook_use()
    {
        var outputs = (await infra.WithDefaultsAsync()).Outputs.EnumerateObject().Select(o => o.Name).ToList();

        Assert.All(outputs, name => Assert.Matches(UpperSnake(), name));
        foreach (var name in new[] { "AZURE_LOCATION", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME", "SERVICE_API_URI", "ORDER_WEBHOOK_URL", "EMAIL_SENDER_ADDRESS" })
        {
            Assert.Contains(name, outputs);
        }
    }

    [Fact]
    public async Task Resource_names_come_from_the_abbreviations_and_the_resource_token()
    {
        var snapshot = await infra.WithDefaultsAsync();
        using var abbreviations = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(BicepCli.InfraDirectory, "abbreviations.json"), TestContext.Current.CancellationToken));
        var site = snapshot.Only("Microsoft.Web/sites").StringAt("name")!;
        var storage = snapshot.Only("Microsoft.Storage/storageAccounts").StringAt("name")!;

        Assert.StartsWith(abbreviations.RootElement.GetProperty("webSitesFunctions").GetString()!, site, StringComparison.Ordinal);
        Assert.StartsWith(abbreviations.RootElement.GetProperty("storageStorageAccounts").GetString()!, storage, StringComparison.Ordinal);
        Assert.Matches("^[a-z0-9]{3,24}$", storage);
        Assert.Equal(site[^13..], storage[^13..]);
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();
}
