// Part of the stand-in for the Azure.Communication.Email package (see AcsEmailClient.cs); mirrors
// HMACAuthenticationPolicy in the SDK's sdk/communication/Shared sources.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>
/// Signs each attempt of a request with the ACS access key, as the service documents it:
/// <c>x-ms-date</c>, <c>x-ms-content-sha256</c> and
/// <c>Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&amp;Signature=…</c> over
/// <c>VERB\nPathAndQuery\nDate;Host;ContentHash</c>. It sits after the retry policy so that a re-sent request
/// carries a fresh date and signature.
/// </summary>
sealed class AcsHmacAuthenticationPolicy(AzureKeyCredential accessKey, TimeProvider clock) : HttpPipelinePolicy
{
    internal const string DateHeader = "x-ms-date";
    internal const string ContentHashHeader = "x-ms-content-sha256";
    internal const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Sign(message, ContentHash(message));
        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Sign(message, await ContentHashAsync(message));
        await ProcessNextAsync(message, pipeline);
    }

    /// <summary>The string the service signs: verb, path and query, then date, host (with a non-default port) and content hash.</summary>
    internal static string StringToSign(string method, Uri uri, string date, string contentHash) =>
        $"{method}\n{uri.PathAndQuery}\n{date};{uri.Authority};{contentHash}";

    /// <summary>The base64 HMAC-SHA256 of <paramref name="stringToSign"/> under the base64 <paramref name="key"/>.</summary>
    internal static string Signature(string key, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(key), Encoding.ASCII.GetBytes(stringToSign)));

    void Sign(HttpMessage message, string contentHash)
    {
        var date = clock.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
        var uri = message.Request.Uri.ToUri();
        var signature = Signature(accessKey.Key, StringToSign(message.Request.Method.Method, uri, date, contentHash));
        message.Request.Headers.SetValue(DateHeader, date);
        message.Request.Headers.SetValue(ContentHashHeader, contentHash);
        message.Request.Headers.SetValue(HttpHeader.Names.Authorization, $"HMAC-SHA256 SignedHeaders={SignedHeaders}&Signature={signature}");
    }

    static string ContentHash(HttpMessage message)
    {
        using var body = new MemoryStream();
        message.Request.Content?.WriteTo(body, message.CancellationToken);
        return Hash(body);
    }

    static async ValueTask<string> ContentHashAsync(HttpMessage message)
    {
        using var body = new MemoryStream();
        if (message.Request.Content is { } content)
        {
            await content.WriteToAsync(body, message.CancellationToken);
        }

        return Hash(body);
    }

    static string Hash(MemoryStream body) =>
        Convert.ToBase64String(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
}
