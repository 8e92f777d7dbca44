using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ServerlessProvisioning.Http;

/// <summary>
/// A 200 whose body a callback writes as it goes (an export): the content type, an attachment's file name, and no
/// conditional or range handling (a file result would read If-Match and Range, which a stream cannot honour).
/// </summary>
public sealed class StreamedResult(string contentType, string fileName, Func<Stream, CancellationToken, Task> write) : IResult
{
    /// <inheritdoc/>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        response.Headers.ContentDisposition = disposition.ToString();
        await write(response.Body, httpContext.RequestAborted);
    }
}
