using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// The workflow's orchestration and activity triggers: each calls the shared code, so Functions and the local
/// host run the same workflow. Names come from <see cref="ProvisioningTasks"/>.
/// </summary>
public sealed class WorkflowFunctions(ProvisioningActivities activities)
{
    [Function(ProvisioningWorkflow.Name)]
    public static Task<ProvisioningResult> Orchestrate([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProvisioningWorkflow.RunAsync(context, context.GetInput<ProvisioningInput>()!);
    }

    [Function(ProvisioningTasks.SendInvitation)]
    public Task SendInvitation([ActivityTrigger] InvitationRequest request, CancellationToken cancellationToken) =>
        activities.SendInvitationAsync(request, cancellationToken);

    [Function(ProvisioningTasks.Match)]
    public Task<MatchResult> Match([ActivityTrigger] MatchRequest request, CancellationToken cancellationToken) =>
        activities.MatchAsync(request, cancellationToken);

    [Function(ProvisioningTasks.Inspect)]
    public Task<OrganizationCheck> Inspect([ActivityTrigger] InspectRequest request, CancellationToken cancellationToken) =>
        activities.InspectAsync(request, cancellationToken);

    [Function(ProvisioningTasks.Assign)]
    public Task Assign([ActivityTrigger] AssignRequest request, CancellationToken cancellationToken) =>
        activities.AssignAsync(request, cancellationToken);

    [Function(ProvisioningTasks.AddAdministrator)]
    public Task AddAdministrator([ActivityTrigger] AddAdministratorRequest request, CancellationToken cancellationToken) =>
        activities.AddAdministratorAsync(request, cancellationToken);

    [Function(ProvisioningTasks.SendApprovalRequests)]
    public Task SendApprovalRequests([ActivityTrigger] ApprovalMailRequest request, CancellationToken cancellationToken) =>
        activities.SendApprovalRequestsAsync(request, cancellationToken);

    [Function(ProvisioningTasks.SendAddAdminRequest)]
    public Task SendAddAdminRequest([ActivityTrigger] AddAdminMailRequest request, CancellationToken cancellationToken) =>
        activities.SendAddAdminRequestAsync(request, cancellationToken);

    [Function(ProvisioningTasks.SendOutcome)]
    public Task SendOutcome([ActivityTrigger] OutcomeMailRequest request, CancellationToken cancellationToken) =>
        activities.SendOutcomeAsync(request, cancellationToken);

    [Function(ProvisioningTasks.DeliverCallback)]
    public Task<bool> DeliverCallback([ActivityTrigger] CallbackRequest request, CancellationToken cancellationToken) =>
        activities.DeliverCallbackAsync(request, cancellationToken);

    [Function(ProvisioningTasks.RecordProgress)]
    public Task RecordProgress([ActivityTrigger] ProgressRequest request, CancellationToken cancellationToken) =>
        activities.RecordProgressAsync(request, cancellationToken);
}
