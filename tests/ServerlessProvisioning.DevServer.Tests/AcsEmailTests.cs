using System.Net;
using System.Text.Json;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>The local host configured with an ACS connection string sends through an ACS-compatible server.</summary>
public class AcsEmailTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_order_delivers_one_correctly_signed_invitation_even_when_the_first_try_gets_503()
    {
        await using var acs = await FakeAcsServer.StartAsync();
        acs.RetryAfter = "0";
        acs.PostReplies.Enqueue(new ScriptedReply(503, new Dictionary<string, string> { ["Retry-After"] = "0" }));
        await using var server = await InProcessHost.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Email__AcsConnectionString"] = acs.ConnectionString,
            ["Email__SenderAddress"] = "DoNotReply@provisioning.example",
        });
        var orderId = "acs-" + Guid.NewGuid().ToString("N")[..8];

        using var response = await server.PostOrderAsync(LocalHostFixture.Order(orderId));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var delivered = await Eventually.WaitAsync(() => Task.FromResult(acs.Deliveries), d => d.Count >= 1, TimeSpan.FromSeconds(60), "the invitation at ACS");
        using var email = JsonDocument.Parse(Assert.Single(delivered));
        Assert.Equal("DoNotReply@provisioning.example", email.RootElement.GetProperty("senderAddress").GetString());
        Assert.Equal("buyer@acme.com", email.RootElement.GetProperty("recipients").GetProperty("to")[0].GetProperty("address").GetString());
        Assert.Contains("/wizard/#t=", email.RootElement.GetProperty("content").GetProperty("plainText").GetString(), StringComparison.Ordinal);

        var posts = await Eventually.WaitAsync(() => Task.FromResult(acs.Posts), p => p.Count >= 2, TimeSpan.FromSeconds(10), "both tries recorded");
        Assert.Equal([503, 202], posts.Select(p => p.Status).Take(2));
        Assert.All(posts, p => Assert.Null(p.Rejection));
        Assert.Single(posts.Select(p => p.Header("Operation-Id")).Distinct());
        Assert.Empty(await server.MailAsync(orderId));
    }
}
