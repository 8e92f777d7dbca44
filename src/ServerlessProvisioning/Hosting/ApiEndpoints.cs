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
        [.. OrderWebhookApi.Routes, .. OrdersApi.Routes, .. OrderWaitsApi.Routes, .. WizardApi.Routes, .. ApprovalsApi.Routes, .. OrganizationsApi.Routes, .. EmailEventsApi.Routes];

    /// <summary>Maps the API under <c>/api</c>; operator routes get <paramref name="operatorFilter"/>.</summary>
    public static RouteGroupBuilder MapProvisioningApi(this IEndpointRouteBuilder endpoints, IEndpointFilter operatorFilter)
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

            if (route.RequiresOperatorKey)
            {
                endpoint.AddEndpointFilter(operatorFilter);
            }
        }

        return api;
    }
}
