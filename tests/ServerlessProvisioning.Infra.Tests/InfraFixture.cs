using System.Text;
using System.Text.Json;

[assembly: AssemblyFixture(typeof(ServerlessProvisioning.Infra.Tests.InfraFixture))]

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// Builds infra/main.bicep and evaluates it for two parameter sets, once per test run, for every test class.
/// Each Bicep run takes a few seconds, so they are shared and started lazily.
/// </summary>
public sealed class InfraFixture : IDisposable
{
    /// <summary>A stand-in webhook secret; a test checks it never appears in clear in the deployment.</summary>
    public const string WebhookSecret = "5e1f0c3a9b7d4e2f8a6c1b3d5f7e9a0c2b4d6f8e0a1c3e5b7d9f1a3c5e7b9d0f";

    /// <summary>A stand-in link-token key; it must never appear in clear either.</summary>
    public const string LinkTokenSecret = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1";

    /// <summary>A stand-in operator key; it must never appear in clear either.</summary>
    public const string OperatorKey = "0f9e8d7c6b5a49382716f5e4d3c2b1a00f9e8d7c6b5a49382716f5e4d3c2b1a0";

    /// <summary>An order-callback URL given as a parameter.</summary>
    public const string OrderCallbackUrl = "https://orders.example.com/provisioning/callback";

    /// <summary>A free-mail domain list given as a parameter.</summary>
    public const string FreeMailDomains = "gmail.com,outlook.com,example-mail.test";

    /// <summary>The deploying user's object id, as azd passes AZURE_PRINCIPAL_ID.</summary>
    public const string DeployerPrincipalId = "7d1f3c52-9e4b-4a1d-8c6e-2b5f0a9d3e71";

    /// <summary>A custom sender domain and its sender username.</summary>
    public const string CustomEmailDomain = "mail.example.com";

    /// <summary>The sender username on <see cref="CustomEmailDomain"/>.</summary>
    public const string CustomEmailSenderUsername = "provisioning";

    /// <summary>The client id of an Entra ID app registration for operator sign-in.</summary>
    public const string OperatorSignInClientId = "3f2a9c1e-5b7d-4e8f-a1c3-6d9b2e4f7a05";

    /// <summary>Where the alerts are mailed.</summary>
    public const string AlertEmail = "oncall@example.com";

    /// <summary>The tenant the snapshots deploy into.</summary>
    public const string TenantId = "00000000-0000-0000-0000-0000000000aa";

    /// <summary>An environment name using every separator azd allows.</summary>
    public const string EnvironmentNameWithSeparators = "Prod-EU_2.(a)";

    private const string SubscriptionId = "00000000-0000-0000-0000-00000000c0de";
    private const string Location = "westeurope";

    private readonly string workDirectory = Directory.CreateTempSubdirectory("infra-tests-").FullName;
    private readonly Lazy<Task<BicepRun>> build;
    private readonly Lazy<Task<(BicepRun Run, Snapshot Snapshot)>> withDefaults;
    private readonly Lazy<Task<(BicepRun Run, Snapshot Snapshot)>> withEveryOption;
    private readonly Lazy<Task<(BicepRun Run, Snapshot Snapshot)>> withUnverifiedDomain;

    /// <summary>Prepares (but does not start) the shared Bicep runs.</summary>
    public InfraFixture()
    {
        build = new(() => BicepCli.RunAsync(["build", BicepCli.MainBicep, "--stdout"], BicepCli.RepositoryRoot, CancellationToken.None));
        withDefaults = new(() => SnapshotAsync("defaults", new Dictionary<string, string>
        {
            ["environmentName"] = "dev",
            ["location"] = Location,
            ["orderWebhookSecret"] = WebhookSecret,
            ["linkTokenSecret"] = LinkTokenSecret,
            ["operatorKey"] = OperatorKey,
        }));
        withEveryOption = new(() => SnapshotAsync("every-option", new Dictionary<string, string>
        {
            ["environmentName"] = EnvironmentNameWithSeparators,
            ["location"] = Location,
            ["orderWebhookSecret"] = WebhookSecret,
            ["linkTokenSecret"] = LinkTokenSecret,
            ["operatorKey"] = OperatorKey,
            ["orderCallbackUrl"] = OrderCallbackUrl,
            ["freeMailDomains"] = FreeMailDomains,
            ["principalId"] = DeployerPrincipalId,
            ["useBuiltInEmailRole"] = "true",
            ["customEmailDomain"] = CustomEmailDomain,
            ["customEmailSenderUsername"] = CustomEmailSenderUsername,
            ["customEmailDomainVerified"] = "true",
            ["operatorSignInClientId"] = OperatorSignInClientId,
            ["alertEmail"] = AlertEmail,
            ["storageSku"] = "Standard_GZRS",
            ["resourceGroupLock"] = "false",
        }));
        withUnverifiedDomain = new(() => SnapshotAsync("unverified-domain", new Dictionary<string, string>
        {
            ["environmentName"] = "dev",
            ["location"] = Location,
            ["orderWebhookSecret"] = WebhookSecret,
            ["linkTokenSecret"] = LinkTokenSecret,
            ["operatorKey"] = OperatorKey,
            ["customEmailDomain"] = CustomEmailDomain,
        }));
    }

    /// <summary><c>bicep build infra/main.bicep --stdout</c>.</summary>
    public Task<BicepRun> BuildAsync() => build.Value;

    /// <summary>The deployment with only the required parameters (environment, location, webhook secret).</summary>
    public async Task<Snapshot> WithDefaultsAsync() => (await withDefaults.Value).Snapshot;

    /// <summary>The deployment with every optional product setting given and a tricky environment name.</summary>
    public async Task<Snapshot> WithEveryOptionAsync() => (await withEveryOption.Value).Snapshot;

    /// <summary>The deployment's first step with a custom email domain: created, its DNS records not yet verified.</summary>
    public async Task<Snapshot> WithUnverifiedDomainAsync() => (await withUnverifiedDomain.Value).Snapshot;

    /// <summary>The CLI runs behind every snapshot, to check they printed nothing.</summary>
    public async Task<IReadOnlyList<BicepRun>> SnapshotRunsAsync() =>
        [(await withDefaults.Value).Run, (await withEveryOption.Value).Run, (await withUnverifiedDomain.Value).Run];

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(workDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing the run for.
        }
    }

    private async Task<(BicepRun, Snapshot)> SnapshotAsync(string name, IReadOnlyDictionary<string, string> parameters)
    {
        var directory = Directory.CreateDirectory(Path.Combine(workDirectory, name)).FullName;
        var parametersFile = Path.Combine(directory, "main.bicepparam");

        // A .bicepparam names its template by a relative path.
        var text = new StringBuilder()
            .AppendLine($"using {BicepCli.Literal(Path.GetRelativePath(directory, BicepCli.MainBicep).Replace('\\', '/'))}");
        foreach (var (key, value) in parameters)
        {
            // Booleans are written as Bicep literals; every other value is a string.
            text.AppendLine($"param {key} = {(value is "true" or "false" ? value : BicepCli.Literal(value))}");
        }

        await File.WriteAllTextAsync(parametersFile, text.ToString());

        var run = await BicepCli.RunAsync(
            ["snapshot", parametersFile, "--mode", "overwrite", "--subscription-id", SubscriptionId, "--tenant-id", TenantId, "--location", Location],
            directory,
            CancellationToken.None);
        var output = Path.Combine(directory, "main.snapshot.json");
        if (run.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"bicep snapshot failed for the '{name}' parameters.{Environment.NewLine}{run}");
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        return (run, new Snapshot(document.RootElement.Clone()));
    }
}
