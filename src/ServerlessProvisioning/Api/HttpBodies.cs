using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ServerlessProvisioning.Api;

/// <summary>Reads request bodies within the 64 KiB limit and turns every bad body into a problem, never an exception.</summary>
public static class HttpBodies
{
    /// <summary>The largest body accepted (SPEC §3).</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Reads the raw body; a problem result when it is too large or not JSON by content type.</summary>
    public static async Task<(byte[]? Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxBytes)
        {
            return (null, Problems.TooLarge());
        }

        if (!IsJson(request.ContentType))
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json."));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, Problems.TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>Reads the body as a JSON object; a problem result when it is not one.</summary>
    public static async Task<(JsonDocument? Document, IResult? Problem)> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
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

    static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return false;
        }

        var charsetOk = media.Charset.Value is null || media.Charset.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
        return charsetOk && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));
    }
}

/// <summary>RFC 9457 problem responses, all <c>application/problem+json</c>.</summary>
public static class Problems
{
    /// <summary>A problem with a status, a title and a useful detail.</summary>
    public static IResult Create(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title, type: $"https://httpstatuses.io/{status}");

    /// <summary>400 with an <c>errors</c> map.</summary>
    public static IResult Validation(Dictionary<string, string[]> errors, string? detail = null) =>
        Results.ValidationProblem(errors, detail: detail ?? "The request has invalid fields; see errors.", title: "Invalid request", type: "https://httpstatuses.io/400");

    /// <summary>413.</summary>
    public static IResult TooLarge() => Create(StatusCodes.Status413PayloadTooLarge, "Body too large", $"Bodies are limited to {HttpBodies.MaxBytes / 1024} KiB.");

    /// <summary>404.</summary>
    public static IResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>409.</summary>
    public static IResult Conflict(string detail) => Create(StatusCodes.Status409Conflict, "Conflict", detail);

    /// <summary>410, with a machine-readable <c>reason</c>: <c>expired</c>, <c>replaced</c> or <c>cancelled</c>.</summary>
    public static IResult Gone(string detail, string reason) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status410Gone, title: "Link no longer valid", type: "https://httpstatuses.io/410", extensions: new Dictionary<string, object?> { ["reason"] = reason });

    /// <summary>401.</summary>
    public static IResult Unauthorized(string detail) => Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
}
