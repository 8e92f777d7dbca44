using Microsoft.DurableTask;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// The workflow code a host runs and the version it stamps on the orders it starts. An order keeps the version it
/// started with for life (up to the invitation's 30 days plus the approval time), and the workflow reads it back
/// (<see cref="TaskOrchestrationContext.Version"/>) to take that version's steps; workers run orders of their
/// version or older and leave newer ones for a newer worker (docs/workflow-versions.md). Hosts take it from the
/// service container, so a test can run the next version's code on histories the current one recorded.
/// </summary>
/// <param name="Version">The version of this code, as <c>major.minor</c> (compared as numbers: 1.10 is after 1.9).</param>
/// <param name="RunAsync">The orchestration: every version it still supports, chosen by the order's version.</param>
public sealed record WorkflowRelease(string Version, Func<TaskOrchestrationContext, ProvisioningInput, Task<ProvisioningResult>> RunAsync)
{
    /// <summary>The code in this build.</summary>
    public static WorkflowRelease Current { get; } = new(ProvisioningWorkflow.Version, ProvisioningWorkflow.RunAsync);

    /// <summary>The options that stamp this release's version on a new order with the given instance id.</summary>
    public StartOrchestrationOptions StartOptions(string instanceId) => new(instanceId) { Version = Version };
}
