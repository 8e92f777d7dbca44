// Part of the stand-in for the Azure.Communication.Email package (see AcsEmailClient.cs).
using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>
/// Azure.Core's retry policy (429, 408, 5xx and transient network errors; waits honour <c>Retry-After</c>,
/// <c>retry-after-ms</c> and <c>x-ms-retry-after-ms</c>), except that a server asking for a longer wait than
/// <paramref name="maxServerDelay"/> is not waited for: the failure goes back to the caller, whose own retry
/// (a Durable activity's retry policy) can wait without holding a worker.
/// </summary>
sealed class AcsRetryPolicy(int maxRetries, DelayStrategy delayStrategy, TimeSpan maxServerDelay, TimeProvider clock)
    : RetryPolicy(maxRetries, delayStrategy)
{
    protected override bool ShouldRetry(HttpMessage message, Exception? exception) =>
        base.ShouldRetry(message, exception) && WithinCap(message);

    protected override async ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) =>
        await base.ShouldRetryAsync(message, exception) && WithinCap(message);

    bool WithinCap(HttpMessage message) =>
        !message.HasResponse || (ServerDelay.From(message.Response, clock) ?? TimeSpan.Zero) <= maxServerDelay;
}

/// <summary>Reads how long the service asks the client to wait, the way Azure.Core does.</summary>
static class ServerDelay
{
    /// <summary><c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c>, or <c>Retry-After</c> (seconds or an HTTP date); null when absent.</summary>
    public static TimeSpan? From(Response response, TimeProvider clock)
    {
        if (Milliseconds(response, "retry-after-ms") is { } ms)
        {
            return ms;
        }

        if (Milliseconds(response, "x-ms-retry-after-ms") is { } xms)
        {
            return xms;
        }

        if (response.Headers.TryGetValue("Retry-After", out var value) && value is not null)
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var wait = at - clock.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }

    static TimeSpan? Milliseconds(Response response, string header) =>
        response.Headers.TryGetValue(header, out var value)
        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : null;
}
