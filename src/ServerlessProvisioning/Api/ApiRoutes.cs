using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>One route of the HTTP API, with what its OpenAPI description says it takes and answers.</summary>
public sealed record ApiRoute(string Name, string Method, string Template, bool RequiresOperatorKey, Type? Body, IReadOnlyDictionary<int, Type> Answers, IReadOnlyList<int> Problems, string Summary);

/// <summary>The wizard's submission body.</summary>
public sealed record SubmissionBody(string CompanyName, string AdminEmail);

/// <summary>The wizard's choice body: an organization id, or <c>createNew: true</c>.</summary>
public sealed record ChoiceBody(string? OrganizationId, bool? CreateNew);

/// <summary>The resend body: optionally a new provisioning contact.</summary>
public sealed record ResendBody(string? ProvisioningContactEmail);

/// <summary>The cancel body.</summary>
public sealed record CancelBody(string Reason);

/// <summary>The approver's decision body.</summary>
public sealed record ApprovalBody(string Decision, string? Comment);

/// <summary>The HTTP API's routes (SPEC §3) in one place. The local host maps them here; the Functions host declares a trigger per route, and a test keeps both equal.</summary>
public static class ApiRoutes
{
    /// <summary>Every route; templates are relative to <c>/api</c>.</summary>
    public static IReadOnlyList<ApiRoute> All { get; } =
    [
        new("PostOrder", "POST", "orders", false, typeof(OrderRequest), Answers((202, typeof(OrderAccepted)), (200, typeof(OrderAccepted))), [400, 401, 409, 413, 415, 503],
            "Order webhook: starts provisioning. Signed with X-Provisioning-Signature; the same order again answers 200 with the same body."),
        new("ListOrders", "GET", "orders", true, null, Answers((200, typeof(OrderList))), [400, 401],
            "Operator list, newest first, optionally one stage (?stage=), paged (?continuationToken=, ?pageSize= up to 100)."),
        new("GetOrder", "GET", "orders/{orderId}", true, null, Answers((200, typeof(OrderView))), [401, 404],
            "Operator view of one order with its audit trail (x-functions-key)."),
        new("ResendInvitation", "POST", "orders/{orderId}/invitation", true, typeof(ResendBody), Answers((202, typeof(void))), [400, 401, 404, 409, 413, 415],
            "Resend the invitation, optionally to a new contact; the previous link stops working. Only until an organization is chosen."),
        new("CancelOrder", "POST", "orders/{orderId}/cancel", true, typeof(CancelBody), Answers((202, typeof(void))), [400, 401, 404, 409, 413, 415],
            "Cancel the order; the contact (and a pending approver) are told why."),
        new("GetWizard", "GET", "wizard/{token}", false, null, Answers((200, typeof(WizardState))), [404, 410],
            "The wizard's state."),
        new("PostSubmission", "POST", "wizard/{token}/submission", false, typeof(SubmissionBody), Answers((200, typeof(WizardState)), (202, typeof(WizardState))), [400, 404, 409, 410, 413, 415],
            "Company name and admin email; answers 200 with the matching result when ready within a few seconds, else 202."),
        new("PostChoice", "POST", "wizard/{token}/choice", false, typeof(ChoiceBody), Answers((200, typeof(WizardState)), (202, typeof(WizardState))), [400, 404, 409, 410, 413, 415],
            "Choose a candidate organization or create a new one."),
        new("GetApproval", "GET", "approvals/{token}", false, null, Answers((200, typeof(ApprovalState))), [404, 410],
            "The approver's view."),
        new("PostApproval", "POST", "approvals/{token}", false, typeof(ApprovalBody), Answers((202, typeof(ApprovalState))), [400, 404, 409, 410, 413, 415],
            "Approve or reject adding the requested administrator."),
    ];

    static Dictionary<int, Type> Answers(params (int Status, Type Type)[] answers) => answers.ToDictionary(a => a.Status, a => a.Type);

    /// <summary>Maps the API under <c>/api</c>; operator routes get <paramref name="operatorFilter"/>.</summary>
    public static RouteGroupBuilder MapProvisioningApi(this IEndpointRouteBuilder endpoints, IEndpointFilter operatorFilter)
    {
        var api = endpoints.MapGroup("/api");
        var handlers = new Dictionary<string, Delegate>
        {
            ["PostOrder"] = (HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.PostOrderAsync(request, client, ct),
            ["ListOrders"] = (HttpRequest request, ProvisioningApi handler, CancellationToken ct) => handler.ListOrdersAsync(request, ct),
            ["GetOrder"] = (string orderId, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.GetOrderAsync(orderId, client, ct),
            ["ResendInvitation"] = (string orderId, HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.ResendInvitationAsync(orderId, request, client, ct),
            ["CancelOrder"] = (string orderId, HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.CancelAsync(orderId, request, client, ct),
            ["GetWizard"] = (string token, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.GetWizardAsync(token, client, ct),
            ["PostSubmission"] = (string token, HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.PostSubmissionAsync(token, request, client, ct),
            ["PostChoice"] = (string token, HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.PostChoiceAsync(token, request, client, ct),
            ["GetApproval"] = (string token, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.GetApprovalAsync(token, client, ct),
            ["PostApproval"] = (string token, HttpRequest request, ProvisioningApi handler, DurableTaskClient client, CancellationToken ct) => handler.PostApprovalAsync(token, request, client, ct),
        };

        foreach (var route in All)
        {
            var tag = route.Template.Split('/')[0] switch { "orders" => "Orders", "wizard" => "Wizard", _ => "Approvals" };
            var endpoint = api.MapMethods(route.Template, [route.Method], handlers[route.Name]).WithName(route.Name).WithSummary(route.Summary).WithTags(tag);
            if (route.Body is not null)
            {
                endpoint.Accepts(route.Body, "application/json");
            }

            foreach (var (status, type) in route.Answers)
            {
                if (type == typeof(void))
                {
                    endpoint.Produces(status);
                }
                else
                {
                    endpoint.Produces(status, type, "application/json");
                }
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
