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

/// <summary>
/// GET /api/approvals/{token} answer (SPEC §3). <c>kind</c> says what the link asks: to approve before the
/// subscription is assigned (<c>approval</c>), or to add the administrator to an organization it was already assigned
/// to (<c>addAdmin</c>, PartnerForCustomer). <c>decision</c>, <c>decidedBy</c>, <c>comment</c> and <c>decidedAt</c>
/// appear once the request is decided.
/// </summary>
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
    string Language,
    ApprovalKind Kind = ApprovalKind.Approval,
    string? DecidedBy = null,
    string? Comment = null,
    DateTimeOffset? DecidedAt = null)
{
    /// <summary>The approver's view of a workflow status (which has an approval).</summary>
    public static ApprovalState Of(ProvisioningStatus s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var a = s.Approval!;
        return new ApprovalState(s.OrderId, s.SubscriptionId, new OrganizationRef(a.OrganizationId, a.OrganizationName), a.RequestedAdminEmail, s.Submission?.CompanyName ?? string.Empty, a.RequestedBy, s.Scenario, s.Stage, a.ExpiresAt, a.Decision, s.Language,
            ApprovalKind.Approval, a.DecidedBy, a.Comment, a.DecidedAt);
    }

    /// <summary>The view of an add-admin request: the finished order's organization and admin, the link's deadline, the decision if any.</summary>
    public static ApprovalState OfAddition(ProvisioningStatus s, DateTimeOffset expiresAt, AdminAdditionDecision? decision)
    {
        ArgumentNullException.ThrowIfNull(s);
        var organization = s.Organization!;
        return new ApprovalState(s.OrderId, s.SubscriptionId, new OrganizationRef(organization.OrganizationId, organization.Name), s.Submission!.AdminEmail, s.Submission.CompanyName, s.ContactEmail ?? string.Empty, s.Scenario, s.Stage, expiresAt,
            decision is null ? null : decision.Approved ? ApprovalEnd.Approved : ApprovalEnd.Rejected, s.Language,
            ApprovalKind.AddAdmin, decision?.DecidedBy, decision?.Comment, decision?.DecidedAt);
    }
}

/// <summary>The approver's decision body.</summary>
public sealed record ApprovalBody(string Decision, string? Comment);

/// <summary>An existing full administrator's routes, opened by the approval link's token.</summary>
public sealed class ApprovalsApi(WorkflowGateway gateway, AdminAdditions additions, PendingApprovals pendingApprovals)
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
            "Approve or reject adding the requested administrator (an add-admin link: add them now, or decline)."),
        new("PostApprovalByHeader", "POST", "approvals", ApiAudience.Approver,
            (HttpRequest request, ApprovalsApi api, DurableTaskClient client, CancellationToken ct) => api.PostAsync(WorkflowGateway.TokenOf(request), request, client, ct),
            typeof(ApprovalBody), [400, 404, 409, 410, 413, 415],
            "Approve or reject adding the requested administrator (an add-admin link: add them now, or decline). The link's token in Authorization: Bearer."),
    ];

    /// <summary>GET /api/approvals/{token}.</summary>
    public async Task<Results<Ok<ApprovalState>, ProblemHttpResult>> GetAsync(string? token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow) = await gateway.OpenLinkAsync(token, TokenKind.Approval, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (workflow!.Token is { Kind: TokenKind.AddAdmin } link)
        {
            var (gone, decision) = await OpenAdditionAsync(workflow, link, cancellationToken);
            return gone ?? (Results<Ok<ApprovalState>, ProblemHttpResult>)TypedResults.Ok(ApprovalState.OfAddition(workflow.Status, link.ExpiresAt, decision));
        }

        return TypedResults.Ok(ApprovalState.Of(workflow.Status));
    }

    // An add-admin link: 410 when another administrator decided, or (undecided) past its deadline, the organization
    // gone or the holder no longer one of its full administrators; else the decision, if this holder made it.
    async Task<(ProblemHttpResult? Gone, AdminAdditionDecision? Decision)> OpenAdditionAsync(OpenWorkflow workflow, TokenRecord link, CancellationToken cancellationToken)
    {
        var decision = await additions.GetAsync(workflow.OrderId, cancellationToken);
        var reason = await additions.WhyGoneAsync(decision, workflow.Status.Organization!.OrganizationId, link.Holder, link.ExpiresAt, gateway.Now, cancellationToken);
        return reason is { } r ? (WorkflowGateway.Gone(r), null) : (null, decision);
    }

    // POST on an add-admin link: the API applies the decision itself, since the order's workflow has finished.
    async Task<Results<Accepted<ApprovalState>, ProblemHttpResult>> DecideAdditionAsync(OpenWorkflow workflow, TokenRecord link, bool approved, string? comment, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (gone, _) = await OpenAdditionAsync(workflow, link, cancellationToken);
        if (gone is not null)
        {
            return gone;
        }

        var status = workflow.Status;
        var organization = status.Organization!;
        var request = new AdminAdditionRequest(workflow.OrderId, workflow.InstanceId, status.SubscriptionId, organization.OrganizationId, organization.Name, status.Submission!.AdminEmail, status.ContactEmail, status.Language);
        AdminAdditionVerdict verdict;
        AdminAdditionDecision? decision;
        bool changed;
        try
        {
            (verdict, decision, changed) = await additions.DecideAsync(request, link.Holder ?? "approver", approved, comment, gateway.Now, cancellationToken);
        }
        catch (Organizations.OrganizationBusyException)
        {
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Busy", "Another change to this organization is under way; your decision is kept. Send it again in a moment to finish it.");
        }

        if (changed)
        {
            // Other orders may wait for this organization's approval: the new full administrator is asked there too.
            await pendingApprovals.TellAsync([organization.OrganizationId], client, cancellationToken);
        }

        return verdict switch
        {
            AdminAdditionVerdict.Taken => TypedResults.Accepted((string?)null, ApprovalState.OfAddition(status, link.ExpiresAt, decision)),
            AdminAdditionVerdict.DecidedOtherwise => Problems.Conflict($"You already {(decision!.Approved ? "approved" : "declined")} this request; the first decision counts."),
            AdminAdditionVerdict.DecidedByAnother => WorkflowGateway.Gone(LinkGoneReason.Decided),
            _ => WorkflowGateway.Gone(LinkGoneReason.Closed),
        };
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

            if (workflow!.Token is { Kind: TokenKind.AddAdmin } link)
            {
                return await DecideAdditionAsync(workflow, link, decision == "approve", comment?.Trim() is { Length: > 0 } c ? c : null, client, cancellationToken);
            }

            var status = workflow.Status;
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

            return TypedResults.Accepted((string?)null, ApprovalState.Of(status with { Approval = status.Approval! with { Decision = approved ? ApprovalEnd.Approved : ApprovalEnd.Rejected, DecidedBy = decided.DecidedBy, Comment = decided.Comment, DecidedAt = decided.At } }));
        }
    }
}
