using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// The workflow's orchestration and activity names, and their registration for hosts that use the Durable Task
/// worker directly (the local host, tests). The Azure Functions host declares one trigger per name instead;
/// a test keeps the two lists equal.
/// </summary>
public static class ProvisioningTasks
{
    /// <summary>Activity: issue the wizard link and send the invitation or its reminder.</summary>
    public const string SendInvitation = nameof(SendInvitation);

    /// <summary>Activity: match a submission.</summary>
    public const string Match = nameof(Match);

    /// <summary>Activity: read the chosen organization afresh.</summary>
    public const string Inspect = nameof(Inspect);

    /// <summary>Activity: assign the subscription (creating the organization when asked).</summary>
    public const string Assign = nameof(Assign);

    /// <summary>Activity: add the approved administrator.</summary>
    public const string AddAdministrator = nameof(AddAdministrator);

    /// <summary>Activity: email approval requests or reminders.</summary>
    public const string SendApprovalRequests = nameof(SendApprovalRequests);

    /// <summary>Activity: email the add-admin request.</summary>
    public const string SendAddAdminRequest = nameof(SendAddAdminRequest);

    /// <summary>Activity: email the outcome.</summary>
    public const string SendOutcome = nameof(SendOutcome);

    /// <summary>Activity: record progress and audit.</summary>
    public const string RecordProgress = nameof(RecordProgress);

    /// <summary>Activity: report the finished order to the order system.</summary>
    public const string DeliverCallback = nameof(DeliverCallback);

    /// <summary>Every activity name.</summary>
    public static IReadOnlyList<string> Activities { get; } =
        [SendInvitation, Match, Inspect, Assign, AddAdministrator, SendApprovalRequests, SendAddAdminRequest, SendOutcome, RecordProgress, DeliverCallback];

    /// <summary>Registers the orchestration and every activity, resolving <see cref="ProvisioningActivities"/> from the container.</summary>
    public static DurableTaskRegistry AddProvisioningTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestratorFunc<ProvisioningInput, ProvisioningResult>(ProvisioningWorkflow.Name, ProvisioningWorkflow.RunAsync);
        Add<InvitationRequest>(registry, SendInvitation, (a, r) => a.SendInvitationAsync(r));
        Add<MatchRequest, MatchResult>(registry, Match, (a, r) => a.MatchAsync(r));
        Add<InspectRequest, OrganizationCheck>(registry, Inspect, (a, r) => a.InspectAsync(r));
        Add<AssignRequest>(registry, Assign, (a, r) => a.AssignAsync(r));
        Add<AddAdministratorRequest>(registry, AddAdministrator, (a, r) => a.AddAdministratorAsync(r));
        Add<ApprovalMailRequest>(registry, SendApprovalRequests, (a, r) => a.SendApprovalRequestsAsync(r));
        Add<AddAdminMailRequest>(registry, SendAddAdminRequest, (a, r) => a.SendAddAdminRequestAsync(r));
        Add<OutcomeMailRequest>(registry, SendOutcome, (a, r) => a.SendOutcomeAsync(r));
        Add<ProgressRequest>(registry, RecordProgress, (a, r) => a.RecordProgressAsync(r));
        Add<CallbackRequest, bool>(registry, DeliverCallback, (a, r) => a.DeliverCallbackAsync(r));
        return registry;
    }

    static void Add<TInput>(DurableTaskRegistry registry, string name, Func<ProvisioningActivities, TInput, Task> run) =>
        Add<TInput, bool>(registry, name, async (a, r) =>
        {
            await run(a, r);
            return true;
        });

    static void Add<TInput, TOutput>(DurableTaskRegistry registry, string name, Func<ProvisioningActivities, TInput, Task<TOutput>> run) =>
        registry.AddActivity(name, services => new DelegateActivity<TInput, TOutput>(input => run(services.GetRequiredService<ProvisioningActivities>(), input)));

    sealed class DelegateActivity<TInput, TOutput>(Func<TInput, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) =>
            run(input ?? throw new ArgumentNullException(nameof(input), $"Activity {context?.Name} got no input."));
    }
}
