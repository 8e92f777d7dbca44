using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// The workflow's orchestration and activity triggers: each runs the shared class of its name, so Functions and the
/// local host run the same workflow and activities. A test keeps this list equal to <see cref="ProvisioningTasks.Activities"/>.
/// </summary>
public sealed class WorkflowFunctions(IServiceProvider services)
{
    [Function(ProvisioningWorkflow.Name)]
    public static Task<ProvisioningResult> Orchestrate([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProvisioningWorkflow.RunAsync(context, context.GetInput<ProvisioningInput>()!);
    }

    [Function(nameof(SendInvitation))]
    public Task<MailDelivery> RunSendInvitation([ActivityTrigger] InvitationRequest request, CancellationToken cancellationToken) =>
        Activity<SendInvitation>().RunAsync(request, cancellationToken);

    [Function(nameof(Match))]
    public Task<MatchResult> RunMatch([ActivityTrigger] MatchRequest request, CancellationToken cancellationToken) =>
        Activity<Match>().RunAsync(request, cancellationToken);

    [Function(nameof(Inspect))]
    public Task<OrganizationCheck> RunInspect([ActivityTrigger] InspectRequest request, CancellationToken cancellationToken) =>
        Activity<Inspect>().RunAsync(request, cancellationToken);

    [Function(nameof(Assign))]
    public Task<bool> RunAssign([ActivityTrigger] AssignRequest request, CancellationToken cancellationToken) =>
        Activity<Assign>().RunAsync(request, cancellationToken);

    [Function(nameof(AddAdministrator))]
    public Task<bool> RunAddAdministrator([ActivityTrigger] AddAdministratorRequest request, CancellationToken cancellationToken) =>
        Activity<AddAdministrator>().RunAsync(request, cancellationToken);

    [Function(nameof(SendApprovalRequests))]
    public Task<MailDelivery> RunSendApprovalRequests([ActivityTrigger] ApprovalMailRequest request, CancellationToken cancellationToken) =>
        Activity<SendApprovalRequests>().RunAsync(request, cancellationToken);

    [Function(nameof(SendAssignmentNotice))]
    public Task<MailDelivery> RunSendAssignmentNotice([ActivityTrigger] AssignmentNoticeRequest request, CancellationToken cancellationToken) =>
        Activity<SendAssignmentNotice>().RunAsync(request, cancellationToken);

    [Function(nameof(SendAddAdminRequest))]
    public Task<MailDelivery> RunSendAddAdminRequest([ActivityTrigger] AddAdminMailRequest request, CancellationToken cancellationToken) =>
        Activity<SendAddAdminRequest>().RunAsync(request, cancellationToken);

    [Function(nameof(SendOutcome))]
    public Task<MailDelivery> RunSendOutcome([ActivityTrigger] OutcomeMailRequest request, CancellationToken cancellationToken) =>
        Activity<SendOutcome>().RunAsync(request, cancellationToken);

    [Function(nameof(DeliverCallback))]
    public Task<bool> RunDeliverCallback([ActivityTrigger] CallbackRequest request, CancellationToken cancellationToken) =>
        Activity<DeliverCallback>().RunAsync(request, cancellationToken);

    [Function(nameof(Conclude))]
    public Task<Conclusion> RunConclude([ActivityTrigger] ConclusionRequest request, CancellationToken cancellationToken) =>
        Activity<Conclude>().RunAsync(request, cancellationToken);

    [Function(nameof(RecordProgress))]
    public Task<bool> RunRecordProgress([ActivityTrigger] ProgressRequest request, CancellationToken cancellationToken) =>
        Activity<RecordProgress>().RunAsync(request, cancellationToken);

    [Function(nameof(SendVerificationCode))]
    public Task<MailDelivery> RunSendVerificationCode([ActivityTrigger] VerificationMailRequest request, CancellationToken cancellationToken) =>
        Activity<SendVerificationCode>().RunAsync(request, cancellationToken);

    [Function(nameof(CheckVerificationCode))]
    public Task<bool> RunCheckVerificationCode([ActivityTrigger] VerificationCheck request, CancellationToken cancellationToken) =>
        Activity<CheckVerificationCode>().RunAsync(request, cancellationToken);

    [Function(nameof(CloseApprovalRequest))]
    public Task<MailDelivery> RunCloseApprovalRequest([ActivityTrigger] ApprovalClosedMailRequest request, CancellationToken cancellationToken) =>
        Activity<CloseApprovalRequest>().RunAsync(request, cancellationToken);

    // Activities are registered once, by AddProvisioning; the trigger only finds the one of its name.
    T Activity<T>()
        where T : notnull => services.GetRequiredService<T>();
}
