using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>An organization reference.</summary>
public sealed record OrganizationRef(string Id, string Name);

/// <summary>GET /api/approvals/{token} answer (SPEC §3).</summary>
public sealed record ApprovalState(
    string OrderId,
    string SubscriptionId,
    OrganizationRef Organization,
    string RequestedAdminEmail,
    string CompanyName,
    string RequestedBy,
    ProvisioningScenario Scenario,
    ProvisioningStage Stage,
    DateTimeOffset ExpiresAt,
    ApprovalEnd? Decision,
    string Language)
{
    /// <summary>The approver's view of a workflow status (which has an approval).</summary>
    public static ApprovalState Of(ProvisioningStatus s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var a = s.Approval!;
        return new ApprovalState(s.OrderId, s.SubscriptionId, new OrganizationRef(a.OrganizationId, a.OrganizationName), a.RequestedAdminEmail, s.Submission?.CompanyName ?? string.Empty, a.RequestedBy, s.Scenario, s.Stage, a.ExpiresAt, a.Decision, s.Language);
    }
}

/// <summary>The approver's decision body.</summary>
public sealed record ApprovalBody(string Decision, string? Comment);

/// <summary>An existing full administrator's routes, opened by the approval link's token.</summary>
public sealed class ApprovalsApi(WorkflowGateway gateway)
{
    /// <summary>The routes, for both hosts: the link's token in the path, or in <c>Authorization: Bearer</c> on <c>/api/approvals</c>.</summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        new("GetApproval", "GET", "approvals/{token}", ApiAudience.Approver,
            (string token, ApprovalsApi api, DurableTaskClient client, CancellationToken ct) => api.GetAsync(token, client, ct),
            null, [404, 410],
            "The approver's view."),
        new("GetApprovalByHeader", "GET", "approvals", ApiAudience.Approver,
            (HttpRequest request, ApprovalsApi api, DurableTaskClient client, CancellationToken ct) => api.GetAsync(WorkflowGateway.TokenOf(request), client, ct),
            null, [404, 410],
            "The approver's view. The link's token in Authorization: Bearer."),
        new("PostApproval", "POST", "approvals/{token}", ApiAudience.Approver,
            (string token, HttpRequest request, ApprovalsApi api, DurableTaskClient client, CancellationToken ct) => api.PostAsync(token, request, client, ct),
            typeof(ApprovalBody), [400, 404, 409, 410, 413, 415],
            "Approve or reject adding the requested administrator."),
        new("PostApprovalByHeader", "POST", "approvals", ApiAudience.Approver,
            (HttpRequest request, ApprovalsApi api, DurableTaskClient client, CancellationToken ct) => api.PostAsync(WorkflowGateway.TokenOf(request), request, client, ct),
            typeof(ApprovalBody), [400, 404, 409, 410, 413, 415],
            "Approve or reject adding the requested administrator. The link's token in Authorization: Bearer."),
    ];

    /// <summary>GET /api/approvals/{token}.</summary>
    public async Task<Results<Ok<ApprovalState>, ProblemHttpResult>> GetAsync(string? token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow) = await gateway.OpenLinkAsync(token, TokenKind.Approval, client, cancellationToken);
        return problem is not null ? problem : TypedResults.Ok(ApprovalState.Of(workflow!.Status));
    }

    /// <summary>POST /api/approvals/{token}: the first decision counts.</summary>
    public async Task<Results<Accepted<ApprovalState>, ProblemHttpResult>> PostAsync(string? token, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow, document) = await gateway.OpenLinkCommandAsync(token, TokenKind.Approval, request, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            var decision = JsonFields.Text(document!.RootElement, "decision", errors, required: true, maxLength: 20);
            var comment = JsonFields.Text(document.RootElement, "comment", errors, required: false, maxLength: FieldLimits.ApprovalComment);
            if (decision is not null && decision is not ("approve" or "reject"))
            {
                errors["decision"] = ["Either \"approve\" or \"reject\"."];
            }

            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }

            var status = workflow!.Status;
            if (status.Stage != ProvisioningStage.AwaitingAdminApproval || status.Approval?.Decision is not null)
            {
                return WorkflowGateway.WrongStage(status, "This request was already decided or is no longer pending.");
            }

            var approved = decision == "approve";
            var decided = new ApprovalDecided(status.Step, approved, comment?.Trim(), workflow.Token?.Holder ?? "approver", gateway.Now);
            if (!await gateway.SendAsync(client, workflow, ProvisioningEvents.ApprovalDecided, decided, cancellationToken))
            {
                return Problems.Conflict("This request was already decided.");
            }

            return TypedResults.Accepted((string?)null, ApprovalState.Of(status with { Approval = status.Approval! with { Decision = approved ? ApprovalEnd.Approved : ApprovalEnd.Rejected } }));
        }
    }
}
