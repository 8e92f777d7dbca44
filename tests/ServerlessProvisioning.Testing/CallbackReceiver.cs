using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.Testing;

/// <summary>One call the receiver got, and whether its signature verified.</summary>
public sealed record ReceivedCallback(DateTimeOffset At, int AnsweredStatus, bool SignatureValid, JsonElement Body);

/// <summary>
/// A stand-in for the order system's callback endpoint: verifies the signature as the webhook's, records every
/// call, and answers 500 to the first <see cref="FailFirst"/> calls of each delivery.
/// </summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ConcurrentDictionary<string, int> attempts = new();

    CallbackReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<ReceivedCallback> Calls { get; } = new();

    public int FailFirst { get; set; }

    public string Url { get; private set; } = string.Empty;

    public static async Task<CallbackReceiver> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new CallbackReceiver(app);
        app.MapPost("/callback", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var valid = WebhookSignature.Verify(request.Headers[WebhookSignature.Header], body, secret, DateTimeOffset.UtcNow) == SignatureCheck.Valid;
            using var document = JsonDocument.Parse(body);
            var deliveryId = document.RootElement.GetProperty("deliveryId").GetString()!;
            var attempt = receiver.attempts.AddOrUpdate(deliveryId, 1, (_, n) => n + 1);
            var status = !valid ? 401 : attempt <= receiver.FailFirst ? 500 : 200;
            receiver.Calls.Enqueue(new ReceivedCallback(DateTimeOffset.UtcNow, status, valid, document.RootElement.Clone()));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = address + "/callback";
        return receiver;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
