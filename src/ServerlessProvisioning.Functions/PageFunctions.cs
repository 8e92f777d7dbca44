using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessProvisioning.Web;

namespace ServerlessProvisioning.Functions;

/// <summary>Serves the wizard and approval pages from the app itself, at the addresses the emails link to, and the operator console.</summary>
public static class PageFunctions
{
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
