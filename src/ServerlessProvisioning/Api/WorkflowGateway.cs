using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>An order's workflow as a request found it: the token or order that led there, and the workflow's status.</summary>
public sealed record OpenWorkflow(string OrderId, string InstanceId, ProvisioningStatus Status, TokenRecord? Token = null);

/// <summary>
/// How every person-facing route talks to an order's workflow: open it (by link token or by order id) and read its
/// status; then, for a command, claim the step it answers, raise the event, and optionally wait for the next step.
/// Exactly one command answers each step (<see cref="OrderStore.ClaimStepAsync"/>); the workflow ignores any other.
/// </summary>
public sealed class WorkflowGateway(OrderStore orders, LinkTokens tokens, CandidateStore candidates, OrganizationStore organizations, TimeProvider time)
{
    /// <summary>How long a wizard command waits for the workflow's next state before answering 202.</summary>
    public static readonly TimeSpan CommandWait = TimeSpan.FromSeconds(5);

    /// <summary>The current time, for the moments people act.</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// The workflow a link opens: 404 unknown (or the other kind of token); 410 with a <c>reason</c> when the link was
    /// replaced by a newer one (at once: a link older than the workflow's current invitation generation or approval
    /// round no longer opens it, before any revocation is written), withdrawn, cancelled or expired.
    /// </summary>
    public async Task<(ProblemHttpResult? Problem, OpenWorkflow? Workflow)> OpenLinkAsync(string? token, TokenKind kind, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var now = time.GetUtcNow();
        // The approval page opens both kinds of approval link; the record says which it is.
        TokenKind[] kinds = kind == TokenKind.Approval ? [TokenKind.Approval, TokenKind.AddAdmin] : [kind];
        var (lookup, record) = await tokens.FindAsync(token ?? string.Empty, kinds, now, cancellationToken);
        if (lookup == TokenLookup.Unknown)
        {
            return (Problems.NotFound("This link is not valid. Check that you copied it whole, or ask for a new one."), null);
        }

        if (lookup == TokenLookup.Gone)
        {
            return (Gone(record!.RevokedReason ?? LinkGoneReason.Replaced), null);
        }

        // From 1.3 the invitation's activity sends the link as the step is published, and from 1.4 the approval
        // request's: a link opened at once may be a moment ahead of the status it finds, and waits for it as for a
        // workflow's first status.
        var status = await ReadStartedStatusAsync(client, record!.InstanceId, cancellationToken, s => IsAhead(record, s));
        if (status is null)
        {
            return (Problems.NotFound("This link is not valid any more."), null);
        }

        // An add-admin link outlives the finished workflow: its own rule (AdminAdditions) says when it is gone.
        if (record.Kind == TokenKind.AddAdmin)
        {
            return status.Organization is null || status.Submission is null
                ? (Problems.NotFound("This link is not valid any more."), null)
                : (null, new OpenWorkflow(record.OrderId, record.InstanceId, status, record));
        }

        if (kind == TokenKind.Wizard && record.Generation < status.InvitationGeneration)
        {
            var redirected = record.Holder is { } holder && status.ContactEmail is { } contact && !EmailAddress.SamePerson(holder, contact);
            return (Gone(redirected ? LinkGoneReason.Redirected : LinkGoneReason.Replaced), null);
        }

        // An approval link of an order that was reopened or started again, before any new request.
        if (kind == TokenKind.Approval && status.Approval is null)
        {
            return (Gone(LinkGoneReason.Restarted), null);
        }

        if (kind == TokenKind.Approval && status.Approval is { } approval && (approval.Round != record.Generation || approval.Decision is ApprovalEnd.Withdrawn or ApprovalEnd.Closed))
        {
            var reason = approval.Round < record.Generation ? LinkGoneReason.Replaced
                : approval.Round == record.Generation && approval.Decision == ApprovalEnd.Closed ? LinkGoneReason.Closed
                : LinkGoneReason.Withdrawn;
            return (Gone(reason), null);
        }

        if (status.Stage == ProvisioningStage.Cancelled)
        {
            return (Gone(LinkGoneReason.Cancelled), null);
        }

        // A pending request is decided only by someone who is a full administrator now, not when it was sent.
        if (kind == TokenKind.Approval && status.Stage == ProvisioningStage.AwaitingAdminApproval && status.Approval is { Decision: null } pending
            && !await IsFullAdminAsync(pending.OrganizationId, record.Holder, cancellationToken))
        {
            return (Gone(LinkGoneReason.NoLongerAdmin), null);
        }

        // The contact's link works as long as the workflow waits for anyone (an approval can outlive the invitation),
        // and after an approval expired it tells why; an approver's link, until the approval deadline.
        // An operator may move either deadline: the status says the current one.
        var deadline = kind == TokenKind.Wizard ? Max(record.ExpiresAt, status.ExpiresAt)
            : status.Approval is { } current && current.Round == record.Generation ? current.ExpiresAt
            : record.ExpiresAt;
        var approvalExpired = kind == TokenKind.Wizard && status.Approval?.Decision == ApprovalEnd.Expired;
        if ((status.Stage == ProvisioningStage.Expired && !approvalExpired) || (!status.Stage.IsFinal() && now > deadline))
        {
            return (Gone(LinkGoneReason.Expired), null);
        }

        return (null, new OpenWorkflow(record.OrderId, record.InstanceId, status, record));
    }

    static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    async Task<bool> IsFullAdminAsync(string organizationId, string? holder, CancellationToken cancellationToken) =>
        holder is not null && await organizations.GetSummaryAsync(organizationId, cancellationToken) is { } organization
        && organization.FullAdmins.Any(a => EmailAddress.SamePerson(a.Email, holder));

    /// <summary>410 for a link that no longer works, worded for its reason.</summary>
    public static ProblemHttpResult Gone(LinkGoneReason reason) => Problems.Gone(
        reason switch
        {
            LinkGoneReason.Cancelled => "This provisioning was cancelled, so the link no longer works.",
            LinkGoneReason.NoLongerAdmin => "You are no longer a full administrator of this organization, so you cannot decide this request. The other administrators still can.",
            LinkGoneReason.Withdrawn => "The request was withdrawn by whoever made it, so there is nothing to decide any more.",
            LinkGoneReason.Redirected => "The invitation was sent to someone else, so this link no longer works. If you think that is a mistake, ask whoever placed the order.",
            LinkGoneReason.Closed => "The request was closed because the organization changed in the directory (deleted, without a full administrator, or no longer of the right type), so there is nothing to decide any more.",
            LinkGoneReason.Decided => "Another administrator of the organization already decided this request; the first decision counts, so there is nothing left to decide.",
            LinkGoneReason.Restarted => "The provisioning this request was for was started again since, so there is nothing left to decide here.",
            LinkGoneReason.Expired => "This link has expired. Ask whoever placed the order for a new invitation.",
            _ => "This link was replaced by a newer one. Use the most recent email you received.",
        },
        reason);

    /// <summary>
    /// The link token of a request: the <c>{token}</c> of the path when the route has one, else the
    /// <c>Authorization: Bearer</c> header, which keeps it out of URLs and so out of request logs and telemetry.
    /// </summary>
    public static string? TokenOf(HttpRequest request, string? pathToken = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (pathToken is not null)
        {
            return pathToken;
        }

        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    /// <summary>A command's prologue: its link (404/410), then its JSON object body (400/413/415).</summary>
    public async Task<(ProblemHttpResult? Problem, OpenWorkflow? Workflow, JsonDocument? Body)> OpenLinkCommandAsync(string? token, TokenKind kind, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow) = await OpenLinkAsync(token, kind, client, cancellationToken);
        if (problem is not null)
        {
            return (problem, null, null);
        }

        var (document, bodyProblem) = await HttpBodies.ReadObjectAsync(request, cancellationToken);
        return bodyProblem is not null ? (bodyProblem, null, null) : (null, workflow, document);
    }

    /// <summary>The workflow of an order, for operators: 404 unknown, 409 while its workflow has not started.</summary>
    public async Task<(ProblemHttpResult? Problem, OpenWorkflow? Workflow)> OpenOrderAsync(string orderId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var record = await FindOrderAsync(orderId, cancellationToken);
        if (record is null)
        {
            return (UnknownOrder(orderId), null);
        }

        var status = await ReadStatusAsync(client, record.InstanceId, cancellationToken);
        return status is null
            ? (Problems.Conflict("The order's workflow has not started yet; try again in a moment."), null)
            : (null, new OpenWorkflow(record.OrderId, record.InstanceId, status));
    }

    /// <summary>The order's row, or null (also for an id too long to be one).</summary>
    public Task<OrderRecord?> FindOrderAsync(string orderId, CancellationToken cancellationToken) =>
        orderId.Length <= Identifiers.MaxLength ? orders.GetAsync(orderId, cancellationToken) : Task.FromResult<OrderRecord?>(null);

    /// <summary>404 for an order id.</summary>
    public static ProblemHttpResult UnknownOrder(string orderId) =>
        Problems.NotFound($"No order '{(orderId.Length <= 80 ? orderId : orderId[..80] + "…")}'.");

    /// <summary>
    /// Answers the workflow's current step with <paramref name="command"/>: claims the step (false when another command
    /// already did) and raises the event.
    /// </summary>
    /// <remarks>An operator's command (<paramref name="byOperator"/>) claims the operators' gate, so no link holder can starve it.</remarks>
    public async Task<bool> SendAsync<T>(DurableTaskClient client, OpenWorkflow workflow, string eventName, T command, CancellationToken cancellationToken, bool byOperator = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(workflow);
        var now = time.GetUtcNow();
        var claimed = byOperator
            ? await orders.ClaimOperatorStepAsync(workflow.OrderId, workflow.Status.Step, now, cancellationToken)
            : await orders.ClaimStepAsync(workflow.OrderId, workflow.Status.Step, now, cancellationToken);
        if (claimed && byOperator)
        {
            await orders.HoldStepAsync(workflow.OrderId, workflow.Status.Step, now, cancellationToken);
        }

        if (!claimed)
        {
            return false;
        }

        await client.RaiseEventAsync(workflow.InstanceId, eventName, command, cancellationToken);
        return true;
    }

    // A link the status does not know yet: a wizard link of a newer invitation, or an approval link of a round the
    // status has not reached (the order still choosing, or showing an earlier round).
    static bool IsAhead(TokenRecord record, ProvisioningStatus status) => record.Kind switch
    {
        TokenKind.Wizard => record.Generation > status.InvitationGeneration,
        TokenKind.Approval => status.Approval is { } approval ? approval.Round < record.Generation : status.Stage == ProvisioningStage.AwaitingOrganizationChoice,
        _ => false,
    };

    /// <summary>
    /// After a command, while the person waits: polls for up to <see cref="CommandWait"/> until the workflow leaves the
    /// step. Answers the latest status and whether it moved on (else the answer is 202 and the page polls).
    /// </summary>
    public async Task<(ProvisioningStatus Status, bool MovedOn)> WaitForNextStepAsync(DurableTaskClient client, OpenWorkflow workflow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var deadline = time.GetUtcNow() + CommandWait;
        var current = workflow.Status;
        // A step takes two queue hops and an activity at the least: a first look sooner than this is never answered.
        var delay = TimeSpan.FromMilliseconds(100);
        while (time.GetUtcNow() < deadline)
        {
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 250));
            // Polled without its candidates (one read each time); they are read once, for the answer.
            if (await ReadBareStatusAsync(client, workflow.InstanceId, cancellationToken) is { } latest)
            {
                // A wizard link that an operator's resend replaced meanwhile sees nothing of the new invitation's state.
                if (workflow.Token is { Kind: TokenKind.Wizard } link && latest.InvitationGeneration > link.Generation)
                {
                    return (workflow.Status, false);
                }

                current = latest;
                if (latest.Step > workflow.Status.Step || latest.Stage.IsFinal())
                {
                    return (await candidates.WithCandidatesAsync(latest, cancellationToken), true);
                }
            }
        }

        return (current == workflow.Status ? current : await candidates.WithCandidatesAsync(current, cancellationToken), false);
    }

    /// <summary>409 for a command the workflow's stage does not take.</summary>
    public static ProblemHttpResult WrongStage(ProvisioningStatus status, string detail)
    {
        ArgumentNullException.ThrowIfNull(status);
        return Problems.Create(StatusCodes.Status409Conflict, "Wrong stage", $"{detail} The provisioning is now at stage {status.Stage}.");
    }

    // A reopened or restarted order's workflow has no status for the moment between its start and its first step, and
    // a link sent with its step may be ahead of the status (`behind`); a link opened then waits for it (up to
    // CommandWait) rather than calling itself invalid.
    async Task<ProvisioningStatus?> ReadStartedStatusAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken, Func<ProvisioningStatus, bool>? behind = null)
    {
        var deadline = time.GetUtcNow() + CommandWait;
        while (true)
        {
            var (metadata, status) = await ReadAsync(client, instanceId, cancellationToken);
            var settled = status is not null && (behind is null || !behind(status));
            if (settled || metadata is not { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running } || time.GetUtcNow() > deadline)
            {
                return status;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>The workflow's custom status with its candidates, or null while it has none (not started).</summary>
    public async Task<ProvisioningStatus?> ReadStatusAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken) =>
        (await ReadAsync(client, instanceId, cancellationToken)).Status;

    static async Task<ProvisioningStatus?> ReadBareStatusAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken) =>
        (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken))?.SerializedCustomStatus is { Length: > 0 } json
            ? Json.Deserialize<ProvisioningStatus>(json)
            : null;

    /// <summary>The instance's metadata and custom status, with the candidates the status names (<see cref="CandidateStore"/>).</summary>
    public async Task<(OrchestrationMetadata? Metadata, ProvisioningStatus? Status)> ReadAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        return metadata?.SerializedCustomStatus is { Length: > 0 } json && Json.Deserialize<ProvisioningStatus>(json) is { } status
            ? (metadata, await candidates.WithCandidatesAsync(status, cancellationToken))
            : (metadata, null);
    }
}
