using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.Hosting;

/// <summary>The HTTP API's routes (SPEC §3) in one list, by audience. The local host maps them here; the Functions host declares a trigger per route, and a test keeps both equal.</summary>
public static class ApiEndpoints
{
    /// <summary>Every route; templates are relative to <c>/api</c>.</summary>
    public static IReadOnlyList<ApiRoute> All { get; } =
        [.. OrderWebhookApi.Routes, .. OperatorApi.Routes, .. OrdersApi.Routes, .. OrderWaitsApi.Routes, .. WizardApi.Routes, .. ApprovalsApi.Routes, .. OrganizationsApi.Routes, .. EmailEventsApi.Routes];

    /// <summary>
    /// Maps the API under <c>/api</c>. Operator routes answer <see cref="OperatorAccess"/>'s problem before their handler
    /// runs, as the Functions host's <c>OperatorAccessMiddleware</c> does; event routes get <paramref name="eventKeyFilter"/>,
    /// the local host's stand-in for the key the Functions host checks.
    /// </summary>
    public static RouteGroupBuilder MapProvisioningApi(this IEndpointRouteBuilder endpoints, IEndpointFilter? eventKeyFilter = null)
    {
        var api = endpoints.MapGroup("/api");
        foreach (var route in All)
        {
            // Success answers come from the handler's typed result; the body it reads itself and its problems, from the route.
            // The route itself is metadata too: the OpenAPI description reads its parameters, headers and security from it.
            var endpoint = api.MapMethods(route.Template, [route.Method], route.Handler).WithName(route.Name).WithSummary(route.Summary).WithTags(route.Tag).WithMetadata(route);
            if (route.Body is not null)
            {
                endpoint.Accepts(route.Body, route.BodyMediaType);
            }

            if (route.StreamedResponse is { } streamed)
            {
                endpoint.Produces(streamed.Status, streamed.Item, streamed.MediaType);
            }

            foreach (var status in route.Problems)
            {
                if (status == StatusCodes.Status400BadRequest)
                {
                    endpoint.ProducesValidationProblem();
                }
                else
                {
                    endpoint.ProducesProblem(status);
                }
            }

            if (route.TakesEventKey && eventKeyFilter is not null)
            {
                endpoint.AddEndpointFilter(eventKeyFilter);
            }

            if (route.IsOperatorRoute)
            {
                // Signed in without the operator role: every operator route may answer 403 (OperatorAccess).
                if (!route.Problems.Contains(StatusCodes.Status403Forbidden))
                {
                    endpoint.ProducesProblem(StatusCodes.Status403Forbidden);
                }

                endpoint.AddEndpointFilter(async (context, next) =>
                    OperatorAccess.Decide(context.HttpContext.Request).Problem is { } refused ? refused : await next(context));
            }
        }

        return api;
    }
}
