using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// What an email activity did: everything handed over, or stopped because the email service asks to wait
/// <see cref="RetryAfter"/> (what was handed over before stays handed over: every email has its idempotency key).
/// </summary>
public sealed record MailDelivery(bool Throttled, TimeSpan RetryAfter)
{
    /// <summary>Everything was handed over.</summary>
    public static MailDelivery Done { get; } = new(false, TimeSpan.Zero);
}

/// <summary>
/// An activity that sends email. Throttling is not a failure: the activity answers how long to wait, and the
/// workflow waits with a durable timer and calls it again, for as long as the service asks. A refused email
/// (<see cref="EmailRejectedException"/>) fails the activity, and the workflow's retry policy does not retry it.
/// </summary>
public abstract class MailActivity<TInput> : WorkflowActivity<TInput, MailDelivery>
{
    /// <inheritdoc/>
    public sealed override async Task<MailDelivery> RunAsync(TInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            await SendAsync(input, cancellationToken);
            return MailDelivery.Done;
        }
        catch (EmailThrottledException throttled)
        {
            return new MailDelivery(true, throttled.RetryAfter);
        }
    }

    /// <summary>Sends the emails (and does what they need, idempotently).</summary>
    protected abstract Task SendAsync(TInput input, CancellationToken cancellationToken);
}
