using Microsoft.AspNetCore.Http;

namespace ServerlessProvisioning.Http;

/// <summary>
/// Headers every <c>/api</c> answer carries, on both hosts: nothing is cached (answers hold people's addresses and
/// link states), and no browser guesses a content type other than the one sent.
/// </summary>
public static class ApiHeaders
{
    /// <summary>Whether a request path is the API's.</summary>
    public static bool IsApi(PathString path) => path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sets the headers as the answer starts, so that an error handler clearing the response cannot drop them.</summary>
    public static void Apply(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.OnStarting(() =>
        {
            response.Headers.CacheControl = "no-store";
            response.Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        });
    }
}
