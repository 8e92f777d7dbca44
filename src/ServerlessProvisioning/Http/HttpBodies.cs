using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace ServerlessProvisioning.Http;

/// <summary>Reads request bodies within the 64 KiB limit and turns every bad body into a problem, never an exception.</summary>
public static class HttpBodies
{
    /// <summary>The largest body accepted (SPEC §3).</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Reads the raw JSON body within <see cref="MaxBytes"/>; a problem result when it is too large or not JSON by content type.</summary>
    public static Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadAsync(request, MaxBytes, cancellationToken);

    /// <summary>
    /// Reads the raw body within <paramref name="maxBytes"/>, of <paramref name="mediaType"/> (JSON by default, any
    /// <c>+json</c> type included); a problem result when it is too large (413) or of another type (415).
    /// </summary>
    public static async Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken, string mediaType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            return (null, Problems.TooLarge(maxBytes));
        }

        if (!IsOfType(request.ContentType, mediaType))
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"Send the body as {mediaType}."));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, Problems.TooLarge(maxBytes));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own body limit, met before ours.
            return (null, Problems.TooLarge(maxBytes));
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>Reads the body as a JSON object; a problem result when it is not one.</summary>
    public static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }

        try
        {
            var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return (null, Problems.Validation(new() { ["body"] = ["The body must be a JSON object."] }));
            }

            return (document, null);
        }
        catch (JsonException)
        {
            return (null, Problems.Validation(new() { ["body"] = ["The body is not valid JSON."] }));
        }
    }

    static bool IsOfType(string? contentType, string mediaType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return false;
        }

        var charsetOk = media.Charset.Value is null || media.Charset.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
        var json = mediaType == "application/json" && type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        return charsetOk && (type.Equals(mediaType, StringComparison.OrdinalIgnoreCase) || json);
    }
}
