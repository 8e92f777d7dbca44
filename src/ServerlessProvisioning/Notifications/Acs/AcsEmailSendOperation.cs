// Part of the stand-in for the Azure.Communication.Email package (see AcsEmailClient.cs); mirrors EmailSendOperation.
using Azure;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>
/// The long-running send operation: accepted with <c>202</c> and an <c>Operation-Location</c>, then polled
/// (honouring <c>Retry-After</c>) until it is Succeeded, Failed or Canceled.
/// </summary>
public class AcsEmailSendOperation : Operation<AcsEmailSendResult>
{
    readonly AcsEmailClient client;
    readonly Uri pollUri;
    AcsEmailSendResult latest;
    Response rawResponse;
    TimeSpan? serverDelay;

    internal AcsEmailSendOperation(AcsEmailClient client, AcsEmailSendResult accepted, Response response, Uri pollUri)
    {
        this.client = client;
        this.pollUri = pollUri;
        Id = accepted.Id;
        latest = accepted;
        rawResponse = response;
        serverDelay = ServerDelay.From(response, client.Options.Clock);
    }

    /// <summary>The operation id (the <c>Operation-Id</c> the email was sent with).</summary>
    public override string Id { get; }

    /// <summary>Whether the operation has ended (Succeeded, Failed or Canceled).</summary>
    public override bool HasCompleted => latest.Status.IsTerminal;

    /// <summary>Whether the operation has Succeeded.</summary>
    public override bool HasValue => latest.Status == AcsEmailSendStatus.Succeeded;

    /// <summary>The last status read; only once the operation has Succeeded.</summary>
    /// <exception cref="InvalidOperationException">The operation has not ended yet.</exception>
    /// <exception cref="RequestFailedException">The operation ended Failed or Canceled.</exception>
    public override AcsEmailSendResult Value => HasValue ? latest : throw NoValue();

    /// <summary>The last status, whatever it is.</summary>
    public AcsEmailSendResult LatestResult => latest;

    /// <inheritdoc/>
    public override Response GetRawResponse() => rawResponse;

    /// <inheritdoc/>
    public override async ValueTask<Response> UpdateStatusAsync(CancellationToken cancellationToken = default)
    {
        if (!HasCompleted)
        {
            var (result, response) = await client.GetSendResultAsync(pollUri, cancellationToken);
            Apply(result, response);
        }

        return rawResponse;
    }

    /// <inheritdoc/>
    public override Response UpdateStatus(CancellationToken cancellationToken = default)
    {
        if (!HasCompleted)
        {
            var (result, response) = client.GetSendResult(pollUri, cancellationToken);
            Apply(result, response);
        }

        return rawResponse;
    }

    /// <summary>Polls until the operation ends, waiting as the service asks or <see cref="AcsEmailClientOptions.DefaultPollingInterval"/>.</summary>
    /// <exception cref="RequestFailedException">The operation ended Failed or Canceled, or a poll failed.</exception>
    /// <exception cref="TimeoutException">The operation did not end within <see cref="AcsEmailClientOptions.CompletionTimeout"/>.</exception>
    public override ValueTask<Response<AcsEmailSendResult>> WaitForCompletionAsync(CancellationToken cancellationToken = default) =>
        WaitForCompletionAsync(client.Options.DefaultPollingInterval, cancellationToken);

    /// <summary>Polls until the operation ends, every <paramref name="pollingInterval"/> unless the service asks for another wait.</summary>
    /// <exception cref="RequestFailedException">The operation ended Failed or Canceled, or a poll failed.</exception>
    /// <exception cref="TimeoutException">The operation did not end within <see cref="AcsEmailClientOptions.CompletionTimeout"/>.</exception>
    public override async ValueTask<Response<AcsEmailSendResult>> WaitForCompletionAsync(TimeSpan pollingInterval, CancellationToken cancellationToken)
    {
        var options = client.Options;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.CompletionTimeout);
        try
        {
            while (!HasCompleted)
            {
                var wait = serverDelay ?? pollingInterval;
                wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > options.MaxPollingInterval ? options.MaxPollingInterval : wait;
                await options.PollDelay(wait, deadline.Token);
                await UpdateStatusAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"ACS email operation {Id} did not complete within {options.CompletionTimeout}; its last status was {latest.Status}.");
        }

        return Response.FromValue(Value, rawResponse);
    }

    void Apply(AcsEmailSendResult result, Response response)
    {
        latest = result;
        rawResponse = response;
        serverDelay = ServerDelay.From(response, client.Options.Clock);
    }

    Exception NoValue()
    {
        if (!HasCompleted)
        {
            return new InvalidOperationException($"ACS email operation {Id} has not completed; its status is {latest.Status}.");
        }

        var error = latest.Error;
        var text = $"ACS email operation {Id} ended {latest.Status}"
            + (error?.Code is null ? "" : $", {error.Code}")
            + (error?.Message is null ? "." : $": {error.Message}");
        return new RequestFailedException(rawResponse.Status, text, error?.Code, null);
    }
}
