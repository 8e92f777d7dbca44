using Microsoft.DurableTask;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// One of the workflow's side effects: a class with its own dependencies, named by its type (the orchestrator calls
/// it with <c>nameof</c>). The Durable Task worker (local host, tests) runs it as a <see cref="TaskActivity{TInput,TOutput}"/>;
/// the Functions host's trigger calls <see cref="RunAsync(TInput, CancellationToken)"/>. Activities run at least once,
/// so every one is idempotent.
/// </summary>
public abstract class WorkflowActivity<TInput, TOutput> : TaskActivity<TInput, TOutput>
{
    /// <inheritdoc/>
    public sealed override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) =>
        RunAsync(input ?? throw new ArgumentNullException(nameof(input), $"Activity {context?.Name} got no input."), CancellationToken.None);

    /// <summary>Runs the activity.</summary>
    public abstract Task<TOutput> RunAsync(TInput input, CancellationToken cancellationToken);
}

/// <summary>An activity with nothing to return (it answers <c>true</c>, which the workflow ignores).</summary>
public abstract class WorkflowActivity<TInput> : WorkflowActivity<TInput, bool>
{
    /// <inheritdoc/>
    public sealed override async Task<bool> RunAsync(TInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await ExecuteAsync(input, cancellationToken);
        return true;
    }

    /// <summary>Does the work.</summary>
    protected abstract Task ExecuteAsync(TInput input, CancellationToken cancellationToken);
}

/// <summary>
/// What every email of one order needs to know: which order, workflow and subscription, the scenario and the language,
/// and which run of the order (1, then one more per reopening or restart: <see cref="Reopening"/>).
/// </summary>
public sealed record MailContext(string OrderId, string InstanceId, string SubscriptionId, Matching.ProvisioningScenario Scenario, string Language, int Run = 1)
{
    /// <summary>
    /// The idempotency key of one email of this order: the same on every run of the activity that sends it. A later
    /// run's keys name the run, so its outcome (or notice) is a new email, not a repeat of the first run's.
    /// </summary>
    public string EmailKey(params object[] parts) => string.Join('/', parts.Prepend(Run > 1 ? $"{InstanceId}#{Run}" : InstanceId));
}
