using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>Emails the code that proves the entered admin address (one code per round).</summary>
public sealed record VerificationMailRequest(MailContext Mail, string ContactEmail, string AdminEmail, string? CompanyName, int Round, DateTimeOffset ExpiresAt);

/// <summary>
/// Sends the 6-digit code to the entered admin address. The code is derived (<see cref="LinkTokens.VerificationCode"/>),
/// never stored, and the same on a retry, whose email the idempotency key suppresses.
/// </summary>
public sealed class SendVerificationCode(LinkTokens tokens, OrderEmail email, ILogger<SendVerificationCode> logger) : MailActivity<VerificationMailRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(VerificationMailRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;
        var code = tokens.VerificationCode(mail.InstanceId, input.Round, input.AdminEmail);
        var content = EmailComposer.Compose(new VerificationCodeEmail(mail.OrderId, mail.SubscriptionId, input.ContactEmail, code, input.ExpiresAt), mail.Language);
        await email.SendAsync(
            new OutgoingEmail(mail.EmailKey(EmailKind.AdminEmailVerification, input.Round), EmailKind.AdminEmailVerification, mail.OrderId, new EmailRecipient(input.AdminEmail), content.Subject, content.PlainText, content.Html, new EmailLinks(VerificationCode: code)),
            cancellationToken);
        logger.LogInformation("Order {OrderId}: verification code round {Round} sent", mail.OrderId, input.Round);
    }
}
