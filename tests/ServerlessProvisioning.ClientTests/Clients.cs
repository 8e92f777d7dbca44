using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using ServerlessProvisioning.Client;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.ClientTests;

/// <summary>
/// The generated client as each caller builds it from what docs/openapi.json says: the order system signs its body
/// into the X-Provisioning-Signature header parameter, an operator sends the operatorKey scheme's header, a link holder
/// the linkToken scheme (Authorization: Bearer). Kiota turns no security scheme into code, so each is a few lines here.
/// </summary>
public static class Clients
{
    /// <summary>The order system's client: every POST /api/orders signed with the webhook secret.</summary>
    public static ProvisioningClient OrderSystem(string baseUrl, string secret) =>
        Create(baseUrl, new AnonymousAuthenticationProvider(), new WebhookSigner(secret));

    /// <summary>An operator's client: the operator key in x-functions-key.</summary>
    public static ProvisioningClient Operator(string baseUrl, string key) =>
        Create(baseUrl, new HeaderAuthentication("x-functions-key", key));

    /// <summary>A link holder's client: the link's token as a bearer token.</summary>
    public static ProvisioningClient Link(string baseUrl, string token) =>
        Create(baseUrl, new HeaderAuthentication("Authorization", "Bearer " + token));

    /// <summary>A client that proves nothing (the mailbox, the path form of the link routes).</summary>
    public static ProvisioningClient Anonymous(string baseUrl) => Create(baseUrl, new AnonymousAuthenticationProvider());

    static ProvisioningClient Create(string baseUrl, IAuthenticationProvider authentication, DelegatingHandler? last = null)
    {
        // Kiota's own handlers (the headers inspection among them, for ETag), then ours next to the wire.
        var handlers = KiotaClientFactory.CreateDefaultHandlers();
        if (last is not null)
        {
            handlers.Add(last);
        }

        var http = new HttpClient(KiotaClientFactory.ChainHandlersCollectionAndGetFirstLink(KiotaClientFactory.GetDefaultHttpMessageHandler(), [.. handlers])!)
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        return new ProvisioningClient(new HttpClientRequestAdapter(authentication, httpClient: http) { BaseUrl = baseUrl });
    }

    // Kiota's ApiKeyAuthenticationProvider and bearer providers refuse http://; the local host is plain HTTP on loopback.
    sealed class HeaderAuthentication(string name, string value) : IAuthenticationProvider
    {
        public Task AuthenticateRequestAsync(RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
        {
            request.Headers.Add(name, value);
            return Task.CompletedTask;
        }
    }

    // The signature covers the exact bytes sent, so it is computed from the serialized body, as it goes out.
    sealed class WebhookSigner(string secret) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath == "/api/orders" && request.Content is not null)
            {
                var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, secret, DateTimeOffset.UtcNow));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
