using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.Testing;

/// <summary>
/// The real local host as a separate process, on an Azurite of its own: what a developer runs, driven over
/// HTTP. It can be killed (SIGKILL) and started again on the same storage.
/// </summary>
public sealed class DevServerProcess : IAsyncDisposable
{
    public const string Secret = "e2e-webhook-secret-0123456789abcdef";
    public const string OperatorKey = "e2e-operator-key";

    readonly StringBuilder output = new();
    readonly Dictionary<string, string> environment;
    readonly bool ownsAzurite;
    readonly bool listenOnAllAddresses;
    Process? process;

    DevServerProcess(AzuriteProcess azurite, bool ownsAzurite, int port, Dictionary<string, string> environment, bool listenOnAllAddresses = false)
    {
        this.listenOnAllAddresses = listenOnAllAddresses;
        Azurite = azurite;
        this.ownsAzurite = ownsAzurite;
        Port = port;
        this.environment = environment;
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public AzuriteProcess Azurite { get; }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts Azurite (unless given) and the local host with the given extra settings (environment variable names).</summary>
    public static async Task<DevServerProcess> StartAsync(IDictionary<string, string>? settings = null, AzuriteProcess? azurite = null, string? seed = null, bool listenOnAllAddresses = false)
    {
        var owns = azurite is null;
        azurite ??= await AzuriteProcess.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Provisioning__OrderWebhookSecret"] = Secret,
            ["Provisioning__OperatorKey"] = OperatorKey,
            ["Provisioning__LinkTokenSecret"] = "e2e-link-token-secret-0123456789abcdef0123",
            ["TASKHUB_NAME"] = "e2e" + Guid.NewGuid().ToString("N")[..8],
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        for (var attempt = 1; ; attempt++)
        {
            var server = new DevServerProcess(azurite, owns, FreePort(), environment, listenOnAllAddresses);
            try
            {
                await server.LaunchAsync(seed);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely the port was taken between choosing and binding it: try another.
                await server.KillAsync();
                server.Http.Dispose();
            }
        }
    }

    /// <summary>Kills the process without letting it clean up (SIGKILL), leaving storage as it was.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the host again on the same storage, port and task hub.</summary>
    public Task RestartAsync() => LaunchAsync(seed: null);

    async Task LaunchAsync(string? seed)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(FindDevServer());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(listenOnAllAddresses ? $"http://0.0.0.0:{Port}" : BaseUrl);
        if (seed is not null)
        {
            info.ArgumentList.Add("--seed");
            info.ArgumentList.Add(seed);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the local host.");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The local host exited with {process.ExitCode}:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await Http.GetAsync("/dev/mailbox?orderId=-");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The local host did not start:{Environment.NewLine}{Output}");
            }

            await Task.Delay(100);
        }
    }

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

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process?.Dispose();
        Http.Dispose();
        if (ownsAzurite)
        {
            await Azurite.DisposeAsync();
        }
    }

    static string FindDevServer()
    {
        var root = AzuriteProcess.FindRepositoryRoot() ?? throw new InvalidOperationException("Repository root not found.");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(root, "src", "ServerlessProvisioning.DevServer", "bin", configuration, "net10.0", "ServerlessProvisioning.DevServer.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the local host first ({path}).");
    }

    static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
