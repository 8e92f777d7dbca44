using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.OrderSystem;

/// <summary>The order system's callback could not take a report (it answered something other than 2xx).</summary>
public sealed class CallbackFailedException(string message) : Exception(message);

/// <summary>
/// POSTs a finished order to <c>Provisioning:OrderCallbackUrl</c>, signed like the incoming webhook. Throws on anything
/// but 2xx, so the workflow's retry policy backs off and tries again; <see cref="CallbackRequest.DeliveryId"/> is the
/// same on every try, so the receiver can drop repeats.
/// </summary>
public sealed class OrderCallbackClient(IHttpClientFactory httpClients, IOptions<ProvisioningOptions> options, TimeProvider time, ILogger<OrderCallbackClient> logger)
    : IOrderCallback
{
    /// <summary>The named HTTP client the callback uses.</summary>
    public const string HttpClientName = "order-callback";

    /// <inheritdoc/>
    public async Task<bool> DeliverAsync(CallbackRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(options.Value.OrderCallbackUrl))
        {
            return false;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(request, Json.Options);
        using var message = new HttpRequestMessage(HttpMethod.Post, options.Value.OrderCallbackUrl) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, options.Value.OrderWebhookSecret, time.GetUtcNow()));
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            logger.LogWarning("Order {OrderId}: callback answered {Status}", request.OrderId, (int)response.StatusCode);
            throw new CallbackFailedException($"The order callback answered {(int)response.StatusCode}.");
        }

        logger.LogInformation("Order {OrderId}: callback delivered", request.OrderId);
        return true;
    }
}
