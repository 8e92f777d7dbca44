using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ServerlessProvisioning.Web;

/// <summary>
/// The wizard, approval and operator console pages (plain HTML, CSS and JavaScript in <c>Web/wwwroot</c>), embedded
/// in this library so both hosts serve the same files at the same addresses: <c>/wizard/</c>, <c>/approval/</c>
/// (the emails link to them), <c>/console/</c> and <c>/assets/…</c>; <c>/</c> sends people to the console.
/// </summary>
public static class StaticPages
{
    static readonly Assembly Assembly = typeof(StaticPages).Assembly;

    static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    };

    /// <summary>The embedded files, by path relative to wwwroot (e.g. <c>wizard/index.html</c>).</summary>
    public static IReadOnlyList<string> Files { get; } = Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal))
        .Select(n => n["wwwroot/".Length..])
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>The folders served, each at <c>/folder/</c>.</summary>
    public static IReadOnlyList<string> Folders { get; } = ["wizard", "approval", "console", "assets"];

    /// <summary>Maps the pages (the local host; the Functions host calls <see cref="HandleAsync"/> from an HTTP trigger).</summary>
    public static IEndpointRouteBuilder MapStaticPages(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup(string.Empty).ExcludeFromDescription();
        pages.MapGet("/", HandleRoot);
        foreach (var folder in Folders)
        {
            pages.MapGet($"/{folder}/{{**path}}", (HttpContext c, string? path) => HandleAsync(c, folder, path));
        }

        return endpoints;
    }

    /// <summary>
    /// The site's root: a person who opens the host's address lands on the operator console (the wizard and the
    /// approval page are reached through the links in emails). A temporary redirect, so it can change.
    /// </summary>
    public static Task HandleRoot(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = "/console/";
        return Task.CompletedTask;
    }

    /// <summary>
    /// Serves <paramref name="folder"/>/<paramref name="path"/>. A folder addressed without its trailing slash
    /// (<c>/wizard</c>) is redirected to <c>/wizard/</c> so the page's relative links resolve; the fragment
    /// carrying the token is kept by the browser across the redirect.
    /// </summary>
    public static Task HandleAsync(HttpContext context, string folder, string? path)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrEmpty(path) && context.Request.Path.Value?.EndsWith('/') != true)
        {
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = $"/{folder}/{context.Request.QueryString}";
            return Task.CompletedTask;
        }

        return ServeAsync(context.Response, $"{folder}/{path}");
    }

    /// <summary>Writes one embedded file (a folder means its index.html), with security headers; 404 when absent.</summary>
    public static async Task ServeAsync(HttpResponse response, string path)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path.EndsWith('/'))
        {
            path += "index.html";
        }

        using var stream = path.Contains("..", StringComparison.Ordinal) ? null : Assembly.GetManifestResourceStream("wwwroot/" + path);
        if (stream is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        response.ContentType = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        // Tokens live in the URL fragment; nothing here may leak the page's address or run foreign code.
        response.Headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["Cache-Control"] = path.EndsWith(".html", StringComparison.Ordinal) ? "no-cache" : "public, max-age=300";
        await stream.CopyToAsync(response.Body);
    }
}
