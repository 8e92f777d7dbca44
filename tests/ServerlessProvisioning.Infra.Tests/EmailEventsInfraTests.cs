using System.Text.Json;
using ServerlessProvisioning.Api;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// Email delivery reports reach the app: the deployment creates an Event Grid system topic on the Communication
/// Service, and the postdeploy hook subscribes the app's event route to delivery reports with infra/app/email-events.bicep.
/// </summary>
public sealed class EmailEventsInfraTests(InfraFixture infra)
{
    const string EmailEventsBicep = "infra/app/email-events.bicep";
    const string HookScript = "infra/hooks/email-events.sh";

    [Fact]
    public async Task The_deployment_creates_a_system_topic_on_the_communication_service_and_no_subscription_yet()
    {
        var snapshot = await infra.WithDefaultsAsync();

        var topic = snapshot.Only("Microsoft.EventGrid/systemTopics");
        var acs = snapshot.Only("Microsoft.Communication/communicationServices");
        Assert.Equal("Microsoft.Communication.CommunicationServices", topic.StringAt("properties.topicType"));
        Assert.Equal("global", topic.StringAt("location"));
        Assert.EndsWith("/providers/Microsoft.Communication/communicationServices/" + acs.StringAt("name"), topic.StringAt("properties.source"), StringComparison.OrdinalIgnoreCase);
        // Event Grid validates a webhook when it is subscribed: the code must be deployed first (the hook does it).
        Assert.Empty(snapshot.OfType("Microsoft.EventGrid/systemTopics/eventSubscriptions"));
        Assert.Equal(topic.StringAt("name"), snapshot.Outputs.StringAt("EMAIL_EVENTS_SYSTEM_TOPIC_NAME"));
        Assert.Equal(acs.StringAt("name"), snapshot.Outputs.StringAt("EMAIL_COMMUNICATION_SERVICE_NAME"));
    }

    [Fact]
    public async Task With_the_webhook_the_module_subscribes_it_to_delivery_reports_only()
    {
        const string url = "https://func-api-x.azurewebsites.net/api/events/email-delivery?code=0123abcd";

        var snapshot = await SnapshotEmailEventsAsync(url);

        var subscription = snapshot.Only("Microsoft.EventGrid/systemTopics/eventSubscriptions");
        Assert.Equal("WebHook", subscription.StringAt("properties.destination.endpointType"));
        // A secure parameter: the key in the URL stays out of the evaluated deployment (and its history).
        Assert.Equal("[parameters('deliveryWebhookUrl')]", subscription.StringAt("properties.destination.properties.endpointUrl"));
        Assert.DoesNotContain("0123abcd", snapshot.Root.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(["Microsoft.Communication.EmailDeliveryReportReceived"], subscription.At("properties.filter.includedEventTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("EventGridSchema", subscription.StringAt("properties.eventDeliverySchema"));
        // Batches stay well under the route's 64 KiB body limit.
        Assert.True(subscription.At("properties.destination.properties.preferredBatchSizeInKilobytes").GetInt32() * 1024 <= Http.HttpBodies.MaxBytes);
        Assert.True(subscription.At("properties.retryPolicy.eventTimeToLiveInMinutes").GetInt32() >= 60 * 24, "a bounce must survive a day of outages");
    }

    [Fact]
    public async Task The_webhook_url_is_a_secure_parameter()
    {
        using var template = JsonDocument.Parse((await BicepCli.RunAsync(["build", EmailEventsBicep, "--stdout"], BicepCli.RepositoryRoot, TestContext.Current.CancellationToken)).StandardOutput);

        Assert.Equal("securestring", template.RootElement.At("parameters.deliveryWebhookUrl.type").GetString());
    }

    [Fact]
    public void Azd_runs_the_hook_after_deploy_and_the_hook_names_the_route_the_code_serves()
    {
        var yaml = File.ReadAllLines(Path.Combine(BicepCli.RepositoryRoot, "azure.yaml")).Select(l => l.TrimEnd()).ToList();
        var script = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, HookScript));
        var receive = EmailEventsApi.Routes.Single(r => r.Method == "POST");

        var hooks = yaml.IndexOf("hooks:");
        Assert.True(hooks >= 0, "azure.yaml has no hooks: section");
        var postdeploy = yaml.Skip(hooks).SkipWhile(l => l != "  postdeploy:").Skip(1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.Contains("run: ./" + HookScript, postdeploy);
        Assert.Contains($"function_name={receive.Name}\n", script, StringComparison.Ordinal);
        Assert.Contains($"route=api/{EmailEventsApi.Template}\n", script, StringComparison.Ordinal);
        Assert.Contains("app/email-events.bicep", script, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.True((File.GetUnixFileMode(Path.Combine(BicepCli.RepositoryRoot, HookScript)) & UnixFileMode.UserExecute) != 0, "the hook must be executable");
        }

        // The key goes to ARM through a parameters file, never on a command line or to the terminal.
        Assert.DoesNotContain("deliveryWebhookUrl=", script, StringComparison.Ordinal);
        Assert.DoesNotContain("echo \"$key", script, StringComparison.Ordinal);
    }

    async Task<Snapshot> SnapshotEmailEventsAsync(string url)
    {
        var directory = Directory.CreateTempSubdirectory("email-events-").FullName;
        try
        {
            var parameters = Path.Combine(directory, "email-events.bicepparam");
            var template = Path.GetRelativePath(directory, Path.Combine(BicepCli.RepositoryRoot, EmailEventsBicep)).Replace('\\', '/');
            await File.WriteAllTextAsync(parameters, $"""
                using {BicepCli.Literal(template)}
                param systemTopicName = 'egst-test'
                param communicationServiceName = 'acs-test'
                param deliveryWebhookUrl = {BicepCli.Literal(url)}
                """, TestContext.Current.CancellationToken);
            var run = await BicepCli.RunAsync(
                ["snapshot", parameters, "--mode", "overwrite", "--subscription-id", "00000000-0000-0000-0000-00000000c0de", "--resource-group", "rg-test", "--location", "westeurope"],
                directory,
                TestContext.Current.CancellationToken);
            Assert.True(run.ExitCode == 0 && string.IsNullOrWhiteSpace(run.StandardError), run.ToString());
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "email-events.snapshot.json"), TestContext.Current.CancellationToken));
            return new Snapshot(document.RootElement.Clone());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
