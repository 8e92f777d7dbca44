using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>The deadline body: when what the order waits for now expires.</summary>
public sealed record DeadlineBody(DateTimeOffset ExpiresAt);

/// <summary>
/// An operator manages what an order waits for (operator key): reminds a pending approval's approvers, or moves
/// the deadline of the invitation and choice, or of the approval (both through the operators' gate of the order's
/// step, like a resend); or reopens an order that ended without an assignment nobody chose (<see cref="OrderReopener"/>).
/// Each is audited with the operator's name.
/// </summary>
public sealed class OrderWaitsApi(WorkflowGateway gateway, OrderReopener reopener, ILogger<OrderWaitsApi> logger)
{
    /// <summary>How far ahead an operator may move a deadline.</summary>
    public static readonly TimeSpan MaxDeadlineAhead = TimeSpan.FromDays(90);

    /// <summary>The routes, for both hosts.</summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        new("RemindApprovers", "POST", "orders/{orderId}/approval/reminder", ApiAudience.Operator,
            (string orderId, HttpRequest request, OrderWaitsApi api, DurableTaskClient client, CancellationToken ct) => api.RemindAsync(orderId, request, client, ct),
            null, [401, 404, 409],
            "Reminds every current approver of the pending approval, each with their own (still valid) link."),
        new("MoveDeadline", "POST", "orders/{orderId}/deadline", ApiAudience.Operator,
            (string orderId, HttpRequest request, OrderWaitsApi api, DurableTaskClient client, CancellationToken ct) => api.MoveDeadlineAsync(orderId, request, client, ct),
            typeof(DeadlineBody), [400, 401, 404, 409, 413, 415],
            "Moves the deadline of what the order waits for now (the invitation and choice, or the approval): in the future and at most 90 days ahead."),
        new("ReopenOrder", "POST", "orders/{orderId}/reopen", ApiAudience.Operator,
            (string orderId, HttpRequest request, OrderWaitsApi api, DurableTaskClient client, CancellationToken ct) => api.ReopenAsync(orderId, request, client, ct),
            typeof(ResendBody), [400, 401, 404, 409, 413, 415],
            "Reopens an order that ended Expired, Rejected or Failed: a new invitation (a new link, the full lifetime again), optionally to a new contact; every earlier link stops working."),
    ];

    /// <summary>POST /api/orders/{orderId}/reopen.</summary>
    public async Task<Results<Accepted, ProblemHttpResult>> ReopenAsync(string orderId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (contactProblem, contact) = await OrdersApi.ReadContactAsync(request, cancellationToken);
        if (contactProblem is not null)
        {
            return contactProblem;
        }

        var (problem, workflow) = await gateway.OpenOrderAsync(orderId, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var status = workflow!.Status;
        if (!status.Stage.IsReopenable())
        {
            return status.Stage.IsFinal()
                ? Problems.Conflict($"The order ended {status.Stage}; only an order that expired, was rejected or failed can be reopened.")
                : WorkflowGateway.WrongStage(status, "The order is still open: resend the invitation or move its deadline instead.");
        }

        if (await reopener.ReopenAsync(client, workflow, ReopenKind.Reopen, OperatorIdentity.Of(request), contact, cancellationToken) is { } conflict)
        {
            return conflict;
        }

        // The console reloads the order next: answer once the new invitation's step is there (or after a few seconds).
        await gateway.WaitForNextStepAsync(client, workflow, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>POST /api/orders/{orderId}/approval/reminder.</summary>
    public async Task<Results<Accepted, ProblemHttpResult>> RemindAsync(string orderId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (problem, workflow) = await OpenManageableAsync(orderId, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var status = workflow!.Status;
        if (status.Stage != ProvisioningStage.AwaitingAdminApproval)
        {
            return WorkflowGateway.WrongStage(status, "Only a pending approval can be reminded.");
        }

        return await SendAsync(client, workflow, ProvisioningEvents.ApprovalReminderRequested, new ApprovalReminderRequested(status.Step, OperatorIdentity.Of(request), gateway.Now), "approval reminder", cancellationToken);
    }

    /// <summary>POST /api/orders/{orderId}/deadline.</summary>
    public async Task<Results<Accepted, ProblemHttpResult>> MoveDeadlineAsync(string orderId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (document, bodyProblem) = await HttpBodies.ReadObjectAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        DateTimeOffset expiresAt = default;
        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            var text = JsonFields.Text(document!.RootElement, "expiresAt", errors, required: true, maxLength: 40);
            var now = gateway.Now;
            if (text is not null && !OrdersApi.TryParseTime(text, out expiresAt))
            {
                errors["expiresAt"] = ["An ISO 8601 date and time, e.g. 2027-01-31T17:00:00Z."];
            }
            else if (text is not null && (expiresAt <= now || expiresAt > now + MaxDeadlineAhead))
            {
                errors["expiresAt"] = [$"In the future and at most {MaxDeadlineAhead.TotalDays:0} days from now."];
            }

            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }
        }

        expiresAt = expiresAt.ToUniversalTime();
        var (problem, workflow) = await OpenManageableAsync(orderId, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var status = workflow!.Status;
        if (!status.Stage.TakesDeadlineChange())
        {
            return status.Stage.IsFinal()
                ? Problems.Conflict($"The order has already finished (stage {status.Stage}).")
                : WorkflowGateway.WrongStage(status, "The order is between two waits; try again in a moment.");
        }

        return await SendAsync(client, workflow, ProvisioningEvents.DeadlineChangeRequested, new DeadlineChangeRequested(status.Step, expiresAt, OperatorIdentity.Of(request), gateway.Now), "deadline change", cancellationToken);
    }

    // The order's workflow, when it is of a version that takes these commands (1.2 and later).
    async Task<(ProblemHttpResult? Problem, OpenWorkflow? Workflow)> OpenManageableAsync(string orderId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow) = await gateway.OpenOrderAsync(orderId, client, cancellationToken);
        if (problem is not null)
        {
            return (problem, null);
        }

        return workflow!.Status.Manageable || workflow.Status.Stage.IsFinal()
            ? (null, workflow)
            : (Problems.Conflict("The order started on an older workflow version, which takes no reminder or new deadline; resend the invitation instead."), null);
    }

    async Task<Results<Accepted, ProblemHttpResult>> SendAsync<T>(DurableTaskClient client, OpenWorkflow workflow, string eventName, T command, string what, CancellationToken cancellationToken)
    {
        if (!await gateway.SendAsync(client, workflow, eventName, command, cancellationToken, byOperator: true))
        {
            return Problems.Conflict("Another operator command for this order is being applied; check the order and try again.");
        }

        logger.LogInformation("Order {OrderId}: {Command} requested", workflow.OrderId, what);
        return TypedResults.Accepted((string?)null);
    }
}
