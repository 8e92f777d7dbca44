// The only file that uses the ACS client types. To move to the official Azure.Communication.Email package,
// delete the stand-in files named in AcsEmailClient.cs and drop the "Acs" prefix of the client types here
// (AcsEmailClient → EmailClient, AcsEmailMessage → EmailMessage, …); the package's EmailClient has the same
// SendAsync(WaitUntil, EmailMessage, Guid operationId, CancellationToken).
using Azure;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>
/// The email port on Azure Communication Services. Each email goes out as the ACS operation whose id is derived
/// from its idempotency key, so an activity that runs twice sends once. It returns as soon as ACS has accepted the
/// email (<see cref="WaitUntil.Started"/>: ACS delivers it, nobody holds a worker while it does). Throttling (429)
/// becomes <see cref="EmailThrottledException"/> with the wait ACS asks for, which the workflow waits out with a
/// durable timer; any other 4xx (but 408) becomes <see cref="EmailRejectedException"/>, not worth retrying.
/// </summary>
public sealed class AcsEmailSender(AcsEmailClient client, string senderAddress, ILogger<AcsEmailSender> logger) : IEmailSender
{
    /// <summary>
    /// A sender for validated <paramref name="options"/>: the connection string's access key when
    /// <c>Email:AcsConnectionString</c> is set (it wins over <c>Email:AcsEndpoint</c>), else Microsoft Entra ID
    /// at <c>Email:AcsEndpoint</c> with <paramref name="credential"/> (by default <see cref="DefaultAzureCredential"/>:
    /// the managed identity in Azure, your developer sign-in on a laptop).
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are incomplete or malformed; the message names the key.</exception>
    public static AcsEmailSender Create(EmailOptions options, ILogger<AcsEmailSender> logger, TokenCredential? credential = null, AcsEmailClientOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var client = CreateClient(options, credential, clientOptions, logger);
        return new AcsEmailSender(client, options.SenderAddress!.Trim(), logger);
    }

    /// <summary>The client <paramref name="options"/> describe (see <see cref="Create"/>).</summary>
    internal static AcsEmailClient CreateClient(EmailOptions options, TokenCredential? credential, AcsEmailClientOptions? clientOptions, ILogger logger)
    {
        EmailOptionsValidator.ThrowIfInvalid(options);
        if (!options.UsesAcs)
        {
            throw new InvalidOperationException(
                $"Neither {EmailOptionsValidator.ConnectionStringKey} nor {EmailOptionsValidator.EndpointKey} is set: email goes to the local mailbox, not ACS.");
        }

        if (!string.IsNullOrWhiteSpace(options.AcsConnectionString))
        {
            var connection = AcsConnectionString.Parse(options.AcsConnectionString);
            logger.LogInformation(
                "Email goes through ACS at {AcsEndpoint} with the connection string's access key{Ignored}",
                connection.Endpoint.Host,
                string.IsNullOrWhiteSpace(options.AcsEndpoint) ? "" : $" ({EmailOptionsValidator.EndpointKey} is ignored)");
            return new AcsEmailClient(connection, clientOptions);
        }

        var endpoint = new Uri(options.AcsEndpoint!, UriKind.Absolute);
        logger.LogInformation("Email goes through ACS at {AcsEndpoint} with Microsoft Entra ID", endpoint.Host);
        return new AcsEmailClient(endpoint, credential ?? new DefaultAzureCredential(), clientOptions);
    }

    /// <inheritdoc/>
    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var operationId = EmailOperationId.FromIdempotencyKey(email.IdempotencyKey);
        var message = new AcsEmailMessage(
            senderAddress,
            new AcsEmailRecipients([new AcsEmailAddress(email.To.Address, email.To.DisplayName)]),
            new AcsEmailContent(email.Subject) { PlainText = email.PlainText, Html = email.Html })
        {
            // Links carry one-time tokens; click tracking would route them through a tracking redirect.
            UserEngagementTrackingDisabled = true,
        };

        logger.LogInformation(
            "Sending {EmailKind} email for order {OrderId} to a recipient at {RecipientDomain} as ACS operation {OperationId}",
            email.Kind, email.OrderId, DomainOf(email.To.Address), operationId);
        try
        {
            var operation = await client.SendAsync(WaitUntil.Started, message, operationId, cancellationToken);
            logger.LogInformation(
                LogEvents.EmailAccepted,
                "Handed {EmailKind} email for order {OrderId} to ACS: operation {OperationId} {Status}",
                email.Kind, email.OrderId, operation.Id, operation.LatestResult.Status);
            if (!string.Equals(operation.Id, operationId.ToString("D"), StringComparison.OrdinalIgnoreCase))
            {
                // Delivery reports name the operation ACS answered with; the order's record names the id we sent.
                logger.LogWarning(
                    "ACS answered {EmailKind} email for order {OrderId} with operation {AcsOperationId}, not {OperationId}: its delivery reports will not find the order",
                    email.Kind, email.OrderId, operation.Id, operationId);
            }
        }
        catch (RequestFailedException failed) when (failed.Status is >= 400 and < 500 and not 408)
        {
            LogFailure(email, operationId, failed, cancellationToken);
            throw failed.Status == 429
                ? new EmailThrottledException(RetryAfter(failed), failed)
                : new EmailRejectedException(failed.Status, failed.ErrorCode, failed);
        }
        catch (Exception exception) when (LogFailure(email, operationId, exception, cancellationToken))
        {
            throw; // Not reached: the filter only logs.
        }
    }

    /// <summary>How long ACS asked to wait, or a minute when it did not say (its quotas are per minute and per hour).</summary>
    static TimeSpan RetryAfter(RequestFailedException failed) =>
        failed.Data[AcsEmailClient.RetryAfterKey] is TimeSpan wait && wait > TimeSpan.Zero ? wait : TimeSpan.FromMinutes(1);

    /// <summary>Logs a failed send without the exception text, which may quote the recipient; always false, so the exception flies on.</summary>
    bool LogFailure(OutgoingEmail email, Guid operationId, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Sending {EmailKind} email for order {OrderId} (ACS operation {OperationId}) was canceled", email.Kind, email.OrderId, operationId);
        }
        else if (exception is RequestFailedException failed)
        {
            logger.LogWarning(
                LogEvents.EmailSendFailed,
                "Could not send {EmailKind} email for order {OrderId}: ACS operation {OperationId} failed with HTTP {HttpStatus} {ErrorCode}",
                email.Kind, email.OrderId, operationId, failed.Status, failed.ErrorCode ?? "(no code)");
        }
        else
        {
            logger.LogWarning(
                LogEvents.EmailSendFailed,
                "Could not send {EmailKind} email for order {OrderId}: ACS operation {OperationId} failed with {ExceptionType}",
                email.Kind, email.OrderId, operationId, exception.GetType().Name);
        }

        return false;
    }

    static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at >= 0 && at < address.Length - 1 ? address[(at + 1)..] : "(no domain)";
    }
}
