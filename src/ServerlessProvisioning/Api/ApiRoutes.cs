using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;

namespace ServerlessProvisioning.Api;

/// <summary>One route of the HTTP API.</summary>
public sealed record ApiRoute(string Name, string Method, string Template, bool RequiresOperatorKey);

/// <summary>The HTTP API's routes (SPEC §3) in one place. The local host maps them here; the Functions host declares a trigger per route, and a test keeps both equal.</summary>
public static class ApiRoutes
{
    /// <summary>Every route; templates are relative to <c>/api</c>.</summary>
    public static IReadOnlyList<ApiRoute> All { get; } =
    [
        new("PostOrder", "POST", "orders", false),
        new("GetOrder", "GET", "orders/{orderId}", true),
        new("GetWizard", "GET", "wizard/{token}", false),
        new("PostSubmission", "POST", "wizard/{token}/submission", false),
        new("PostChoice", "POST", "wizard/{token}/choice", false),
        new("GetApproval", "GET", "approvals/{token}", false),
        new("PostApproval", "POST", "approvals/{token}", false),
    ];

    /// <summary>Maps the API under <c>/api</c>; operator routes get <paramref name="operatorFilter"/>.</summary>
    public static RouteGroupBuilder MapProvisioningApi(this IEndpointRouteBuilder endpoints, IEndpointFilter operatorFilter)
    {
        var api = endpoints.MapGroup("/api");
        var handlers = new Dictionary<string, Delegate>
        {
            ["PostOrder"] = (HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.PostOrderAsync(request, client, ct),
            ["GetOrder"] = (string orderId, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.GetOrderAsync(orderId, client, ct),
            ["GetWizard"] = (string token, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.GetWizardAsync(token, client, ct),
            ["PostSubmission"] = (string token, HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.PostSubmissionAsync(token, request, client, ct),
            ["PostChoice"] = (string token, HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.PostChoiceAsync(token, request, client, ct),
            ["GetApproval"] = (string token, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.GetApprovalAsync(token, client, ct),
            ["PostApproval"] = (string token, HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.PostApprovalAsync(token, request, client, ct),
        };

        foreach (var route in All)
        {
            var endpoint = api.MapMethods(route.Template, [route.Method], handlers[route.Name]).WithName(route.Name);
            if (route.RequiresOperatorKey)
            {
                endpoint.AddEndpointFilter(operatorFilter);
            }
        }

        return api;
    }
}
