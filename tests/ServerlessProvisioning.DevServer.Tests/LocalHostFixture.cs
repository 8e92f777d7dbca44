using System.Net.Http.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>The local host as a process with the sample organizations, shared by a test class.</summary>
public class LocalHostFixture : IAsyncLifetime
{
    public DevServerProcess Server { get; private set; } = null!;

    protected virtual IDictionary<string, string> Settings => new Dictionary<string, string>();

    public static string SamplePath => Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "samples", "organizations.json");

    public virtual async ValueTask InitializeAsync() => Server = await DevServerProcess.StartAsync(Settings, seed: SamplePath);

    public virtual async ValueTask DisposeAsync() => await Server.DisposeAsync();

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

/// <summary>A local host whose invitations expire within seconds.</summary>
public sealed class ShortLivedLocalHostFixture : LocalHostFixture
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Provisioning__InvitationLifetime"] = "00:00:06",
        ["Provisioning__InvitationReminderBefore"] = "00:00:00",
    };
}
