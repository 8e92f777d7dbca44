using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessProvisioning.Web;

namespace ServerlessProvisioning.Functions;

/// <summary>Serves the wizard and approval pages from the app itself, at the addresses the emails link to, and the operator console.</summary>
public static class PageFunctions
{
    /// <summary>
    /// The root address leads to the console, as on the local host. An optional parameter of length 0 is how a Functions
    /// route matches nothing but <c>/</c> (the route prefix is empty, host.json); the host's own default page there is
    /// turned off by the app setting <c>AzureWebJobsDisableHomepage</c> (infra/main.bicep).
    /// </summary>
    [Function("RootPage")]
    public static async Task<IResult> RootPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = RootRoute)] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        await StaticPages.HandleRoot(request.HttpContext);
        return Results.Empty;
    }

    /// <summary>The route of <see cref="RootPage"/>: <c>/</c> only.</summary>
    public const string RootRoute = "{root:maxlength(0)?}";

    [Function("WizardPage")]
    public static Task<IResult> WizardPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "wizard/{*path}")] HttpRequest request, string? path) =>
        ServeAsync(request, "wizard/", path);

    [Function("ApprovalPage")]
    public static Task<IResult> ApprovalPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "approval/{*path}")] HttpRequest request, string? path) =>
        ServeAsync(request, "approval/", path);

    [Function("ConsolePage")]
    public static Task<IResult> ConsolePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console/{*path}")] HttpRequest request, string? path) =>
        ServeAsync(request, "console/", path);

    [Function("Assets")]
    public static Task<IResult> Assets(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "assets/{*path}")] HttpRequest request, string? path) =>
        ServeAsync(request, "assets/", path);

    static async Task<IResult> ServeAsync(HttpRequest request, string folder, string? path)
    {
        await StaticPages.HandleAsync(request.HttpContext, folder.TrimEnd('/'), path);
        return Results.Empty;
    }
}
