using DurableTask.Core.Exceptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;

namespace ServerlessProvisioning.Api;

/// <summary>
/// Runs a finished order again (docs/rules.md, "How an order ends"): an operator's reopening or the contact's restart.
/// The order's workflow starts anew on the same instance id, so every link and page keeps finding it, with a
/// <see cref="Reopening"/> input built from the finished run's last status (<see cref="RunCarry"/>): its rounds,
/// sequences and steps go on, so no earlier link, email key or command can act on the new run. Exactly one reopening
/// or restart continues each ending: it claims the step after the last one, and the engine refuses to replace an
/// instance that is running again.
/// </summary>
public sealed class OrderReopener(OrderStore orders, LinkTokens tokens, WorkflowRelease release, TimeProvider time, ILogger<OrderReopener> logger)
{
    // A reopened order's workflow may be replaced only once it has ended again.
    static readonly OrchestrationRuntimeStatus[] Running = [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>How long a reopening or restart waits for a run that has ended to finish telling everyone.</summary>
    public static readonly TimeSpan FinishingWait = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Until when the contact may start <paramref name="status"/> again: the invitation's own deadline, for an order that
    /// ended after a refusal or an expired approval; null for any other (or one that ended before reopening existed).
    /// </summary>
    public static DateTimeOffset? RestartDeadline(ProvisioningStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Carry is { } carry && (status.Stage == ProvisioningStage.Rejected || (status.Stage == ProvisioningStage.Expired && status.Approval?.Decision == ApprovalEnd.Expired))
            ? carry.InvitationDeadline
            : null;
    }

    /// <summary>
    /// Starts the finished order of <paramref name="workflow"/> again. Null when it started; a 409 when its last run
    /// left nothing to continue from (it ended before reopening existed) or another reopening or restart came first.
    /// </summary>
    public async Task<ProblemHttpResult?> ReopenAsync(DurableTaskClient client, OpenWorkflow workflow, ReopenKind kind, string actor, string? newContact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(workflow);
        var status = workflow.Status;
        if (status.Carry is null)
        {
            return Problems.Conflict("This order ended before orders could be reopened, so there is nothing to continue from; ask the order system for a new order.");
        }

        // A run that has just ended may still be telling the contact and the order system: wait a little for it.
        var waitUntil = time.GetUtcNow() + FinishingWait;
        var instance = await client.GetInstanceAsync(workflow.InstanceId, getInputsAndOutputs: true, cancellationToken);
        while (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending } && time.GetUtcNow() < waitUntil)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            instance = await client.GetInstanceAsync(workflow.InstanceId, getInputsAndOutputs: true, cancellationToken);
        }

        if (instance is null || instance.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending)
        {
            return Problems.Conflict("The order is still finishing (telling the contact and the order system how it ended); try again in a minute.");
        }

        // The run's last status: its carry has the final sequences.
        status = instance.SerializedCustomStatus is { Length: > 0 } last ? Json.Deserialize<ProvisioningStatus>(last) ?? status : status;
        var input = instance.SerializedInput is { Length: > 0 } json ? Json.Deserialize<ProvisioningInput>(json) : null;
        if (status.Carry is not { } carry || input is null || !status.Stage.IsFinal())
        {
            return Problems.Conflict("The order is not in an ending it can continue from; reload to see where it stands.");
        }

        var now = time.GetUtcNow();
        var step = status.Step + 1;
        if (!await orders.ClaimStepAsync(workflow.OrderId, step, now, cancellationToken))
        {
            return Problems.Conflict("The order is being reopened or started again already; reload to see where it stands.");
        }

        var restart = kind == ReopenKind.Restart;
        var reopening = new Reopening(
            kind, actor, now, status.Stage, step, status.InvitationGeneration, status.ContactEmail ?? input.Order.ProvisioningContactEmail, newContact, carry,
            restart ? status.CodesSent : 0, restart ? status.ApprovalRequestsSent : 0, restart ? status.Submissions : 0, restart ? status.ProvenAdmin : null);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                ProvisioningWorkflow.Name,
                input with { Reopening = reopening },
                release.StartOptions(workflow.InstanceId).WithDedupeStatuses(Running),
                cancellationToken);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return Problems.Conflict("The order is running again already; reload to see where it stands.");
        }

        // The last request's approvers learn from their links that it is over, whatever rounds come next.
        if (status.Approval is { } approval)
        {
            foreach (var approver in approval.Approvers)
            {
                await tokens.RevokeAsync(TokenKind.Approval, workflow.InstanceId, approval.Round, approver, cancellationToken, LinkGoneReason.Restarted);
            }
        }

        logger.LogInformation("Order {OrderId}: {Kind} after {Stage} (run {Run})", workflow.OrderId, kind, status.Stage, carry.Run + 1);
        return null;
    }
}
