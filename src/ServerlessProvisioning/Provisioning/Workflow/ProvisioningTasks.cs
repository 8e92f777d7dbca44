using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// The workflow's orchestration and activities, and their registration for hosts that use the Durable Task worker
/// directly (the local host, tests). An activity is named by its class; the Azure Functions host declares one
/// trigger per class instead, and a test keeps the two lists equal.
/// </summary>
public static class ProvisioningTasks
{
    /// <summary>Every activity the workflow calls.</summary>
    public static IReadOnlyList<Type> Activities { get; } =
    [
        typeof(SendInvitation), typeof(Match), typeof(Inspect), typeof(Assign), typeof(AddAdministrator),
        typeof(SendApprovalRequests), typeof(SendAddAdminRequest), typeof(SendAssignmentNotice), typeof(SendOutcome), typeof(RecordProgress), typeof(DeliverCallback), typeof(Conclude),
        typeof(SendVerificationCode), typeof(CheckVerificationCode), typeof(CloseApprovalRequest),
    ];

    /// <summary>Registers every activity class as a singleton (they are stateless), for the worker and for Functions triggers.</summary>
    public static IServiceCollection AddProvisioningActivities(this IServiceCollection services)
    {
        foreach (var activity in Activities)
        {
            services.TryAddSingleton(activity);
        }

        return services;
    }

    /// <summary>Registers the orchestration (the given release's code, the current one by default) and every activity with a Durable Task worker.</summary>
    public static DurableTaskRegistry AddProvisioningTasks(this DurableTaskRegistry registry, WorkflowRelease? release = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestratorFunc(ProvisioningWorkflow.Name, (release ?? WorkflowRelease.Current).RunAsync);
        foreach (var activity in Activities)
        {
            registry.AddActivity(activity);
        }

        return registry;
    }
}
