using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Testing;

/// <summary>
/// A running local host driven over HTTP, whichever way it runs (a separate process, or in the test process):
/// the settings both start with and the requests tests make, so test bodies do not depend on the hosting.
/// </summary>
public abstract class LocalHost(HttpClient http) : IAsyncDisposable
{
    /// <summary>The webhook secret every test host is given.</summary>
    public const string Secret = "e2e-webhook-secret-0123456789abcdef";

    /// <summary>The operator key every test host is given.</summary>
    public const string OperatorKey = "e2e-operator-key";

    /// <summary>A client for the host, its base address set.</summary>
    public HttpClient Http { get; } = http;

    /// <summary>
    /// The settings (environment variable names) a test host starts with: the given storage, known secrets, a task
    /// hub of its own and quiet logs.
    /// </summary>
    public static Dictionary<string, string> Settings(string storageConnectionString) => new()
    {
        ["AzureWebJobsStorage"] = storageConnectionString,
        ["Provisioning__OrderWebhookSecret"] = Secret,
        ["Provisioning__OperatorKey"] = OperatorKey,
        ["Provisioning__LinkTokenSecret"] = "e2e-link-token-secret-0123456789abcdef0123",
        ["TASKHUB_NAME"] = "e2e" + Guid.NewGuid().ToString("N")[..8],
        ["Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>Posts a correctly signed order.</summary>
    public Task<HttpResponseMessage> PostOrderAsync(object order, DateTimeOffset? at = null, string? secret = null) =>
        PostSignedAsync("/api/orders", JsonSerializer.SerializeToUtf8Bytes(order, Json.Options), at, secret);

    /// <summary>Posts raw bytes signed as the webhook.</summary>
    public async Task<HttpResponseMessage> PostSignedAsync(string path, byte[] body, DateTimeOffset? at = null, string? secret = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, secret ?? Secret, at ?? DateTimeOffset.UtcNow));
        return await Http.SendAsync(request);
    }

    /// <summary>Posts JSON.</summary>
    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) => Http.PostAsJsonAsync(path, body, Json.Options);

    /// <summary>
    /// What a contact does in the wizard: posts the company details and, when the workflow asks to prove the admin
    /// address, enters the code emailed to it (as its owner would tell the contact). Answers the last response.
    /// </summary>
    public async Task<HttpResponseMessage> SubmitAsync(string token, object body)
    {
        using var before = await Http.GetAsync($"/api/wizard/{token}");
        var orderId = before.IsSuccessStatusCode ? (await before.Content.ReadFromJsonAsync<JsonElement>(Json.Options)).GetProperty("orderId").GetString() : null;
        var codesBefore = orderId is null ? 0 : (await MailAsync(orderId)).Count(m => m.Kind == EmailKind.AdminEmailVerification);
        var response = await PostJsonAsync($"/api/wizard/{token}/submission", body);
        if (orderId is null || !response.IsSuccessStatusCode)
        {
            return response;
        }

        // A 202 comes before the workflow has taken the submission (a slow or restarted host): wait until it has.
        var stage = (await response.Content.ReadFromJsonAsync<JsonElement>(Json.Options)).GetProperty("stage").GetString();
        if (response.StatusCode == HttpStatusCode.Accepted && stage is "InvitationSent" or "Matching")
        {
            stage = await Eventually.WaitAsync(
                async () =>
                {
                    using var state = await Http.GetAsync($"/api/wizard/{token}");
                    return state.IsSuccessStatusCode ? (await state.Content.ReadFromJsonAsync<JsonElement>(Json.Options)).GetProperty("stage").GetString() : null;
                },
                s => s is not ("InvitationSent" or "Matching"),
                TimeSpan.FromSeconds(120),
                "the workflow taking the submission");
        }

        if (stage != "AwaitingAdminEmailVerification")
        {
            return response;
        }

        response.Dispose();
        var mail = await WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.AdminEmailVerification) > codesBefore, "the verification code");
        var code = mail.Last(m => m.Kind == EmailKind.AdminEmailVerification).VerificationCode;
        return await PostJsonAsync($"/api/wizard/{token}/verification", new { code });
    }

    /// <summary>GET with the operator key.</summary>
    public async Task<HttpResponseMessage> OperatorGetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-functions-key", OperatorKey);
        return await Http.SendAsync(request);
    }

    /// <summary>The mailbox, oldest first, optionally one order's.</summary>
    public async Task<IReadOnlyList<MailboxEntry>> MailAsync(string? orderId = null)
    {
        var entries = await Http.GetFromJsonAsync<List<MailboxEntry>>("/dev/mailbox" + (orderId is null ? string.Empty : "?orderId=" + Uri.EscapeDataString(orderId)), Json.Options);
        entries!.Reverse();
        return entries;
    }

    /// <summary>Waits until the mailbox satisfies a condition.</summary>
    public Task<IReadOnlyList<MailboxEntry>> WaitForMailAsync(string orderId, Func<IReadOnlyList<MailboxEntry>, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => MailAsync(orderId), condition, timeout ?? TimeSpan.FromSeconds(60), what);

    /// <inheritdoc/>
    public abstract ValueTask DisposeAsync();
}
