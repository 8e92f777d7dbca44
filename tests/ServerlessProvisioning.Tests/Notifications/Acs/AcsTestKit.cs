using System.Collections.Concurrent;
using System.Net.Http;
using System.Net.Security;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Notifications.Acs;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Notifications.Acs;

/// <summary>Client options for tests: tiny retry back-off, and poll waits recorded instead of waited.</summary>
public static class AcsTestKit
{
    public static AcsEmailClientOptions FastOptions(RecordedDelays? delays = null, FakeAcsServer? trust = null)
    {
        var options = new AcsEmailClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        options.PollDelay = (delays ?? new RecordedDelays()).WaitAsync;
        if (trust?.Certificate is { } certificate)
        {
            var thumbprint = certificate.GetCertHashString();
            options.Transport = new HttpClientTransport(new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    // Trust exactly the fake's self-signed certificate.
                    RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == thumbprint,
                },
            });
        }

        return options;
    }
}

/// <summary>Poll waits, recorded and skipped.</summary>
public sealed class RecordedDelays
{
    readonly ConcurrentQueue<TimeSpan> delays = new();

    public IReadOnlyList<TimeSpan> All => [.. delays];

    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        delays.Enqueue(delay);
        return Task.CompletedTask;
    }
}

/// <summary>A clock that moves on by a step every time it is read (so every signature has its own date).</summary>
public sealed class SteppingClock(DateTimeOffset start, TimeSpan step) : TimeProvider
{
    long reads;

    public override DateTimeOffset GetUtcNow() => start + step * (Interlocked.Increment(ref reads) - 1);
}

/// <summary>A token credential that hands out one token and remembers the scopes asked for.</summary>
public sealed class FakeTokenCredential(string token) : TokenCredential
{
    public ConcurrentQueue<string> Scopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        foreach (var scope in requestContext.Scopes)
        {
            Scopes.Enqueue(scope);
        }

        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}

/// <summary>An ILogger that keeps every rendered message, its structured values and its exception.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    readonly ConcurrentQueue<string> entries = new();

    public IReadOnlyList<string> Entries => [.. entries];

    public string All => string.Join("\n", entries);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
            : "";
        entries.Enqueue($"{logLevel}: {formatter(state, exception)} | {values} | {exception}");
    }
}
