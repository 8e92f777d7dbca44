using System.Net.Http.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Primitives;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>A local host with the sample organizations, shared by a test class, however it is hosted.</summary>
public abstract class LocalHostFixture : IAsyncLifetime
{
    public LocalHost Server { get; private set; } = null!;

    protected virtual IDictionary<string, string> Settings => new Dictionary<string, string>();

    public static string SamplePath => Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "samples", "organizations.json");

    protected abstract Task<LocalHost> StartAsync(IDictionary<string, string> settings, string seed);

    public virtual async ValueTask InitializeAsync() => Server = await StartAsync(Settings, SamplePath);

    public virtual async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    public static object Order(string orderId, string scenario = "CustomerSelf", string contact = "buyer@acme.com") =>
        new { orderId, subscriptionId = "sub-" + orderId, provisioningContactEmail = contact, scenario, locale = "en" };

    /// <summary>Posts an order and returns the wizard token from its invitation.</summary>
    public async Task<string> InviteAsync(string orderId, string scenario = "CustomerSelf")
    {
        using var response = await Server.PostOrderAsync(Order(orderId, scenario));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var mail = await Server.WaitForMailAsync(orderId, m => m.Count > 0, "invitation");
        return mail[0].WizardToken!;
    }

    public async Task<WizardState> WizardAsync(string token) =>
        (await Server.Http.GetFromJsonAsync<WizardState>($"/api/wizard/{token}", Json.Options))!;

    public Task<WizardState> WaitForStageAsync(string token, Provisioning.ProvisioningStage stage) =>
        Eventually.WaitAsync(() => WizardAsync(token), s => s.Stage == stage, TimeSpan.FromSeconds(60), $"stage {stage}");
}

/// <summary>
/// The real local host as a separate process on an Azurite of its own, as a developer runs it: for the tests whose
/// point is that process (whole flows, the OpenAPI document it serves).
/// </summary>
public sealed class ProcessHostFixture : LocalHostFixture
{
    protected override async Task<LocalHost> StartAsync(IDictionary<string, string> settings, string seed) =>
        await DevServerProcess.StartAsync(settings, seed: seed);
}

/// <summary>
/// The local host in the test process on the run's Azurite (<see cref="InProcessHost"/>): the cheap host for the
/// HTTP contract, where a separate process is not the point.
/// </summary>
public class InProcessHostFixture(AzuriteFixture azurite) : LocalHostFixture
{
    protected override async Task<LocalHost> StartAsync(IDictionary<string, string> settings, string seed) =>
        await InProcessHost.StartAsync(azurite, settings, seed);
}

/// <summary>A local host whose invitations expire within seconds.</summary>
public sealed class ShortLivedLocalHostFixture(AzuriteFixture azurite) : InProcessHostFixture(azurite)
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Provisioning__InvitationLifetime"] = "00:00:06",
        ["Provisioning__InvitationReminderBefore"] = "00:00:00",
    };
}
