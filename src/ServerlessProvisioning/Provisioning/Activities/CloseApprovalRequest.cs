using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>Tells approvers that a request ended (by someone else, by the clock, or withdrawn).</summary>
public sealed record ApprovalClosedMailRequest(MailContext Mail, string OrganizationName, string RequestedAdminEmail, int Round, IReadOnlyList<string> Recipients, [property: JsonConverter(typeof(ApprovalEndMemberNameConverter))] ApprovalEnd End, string? DecidedBy);

/// <summary>
/// Emails each recipient that the request ended and how, so nobody acts on it any more; a withdrawn request's links
/// are revoked, so they answer 410 <c>withdrawn</c>.
/// </summary>
public sealed class CloseApprovalRequest(LinkTokens tokens, IEmailSender email, ILogger<CloseApprovalRequest> logger) : MailActivity<ApprovalClosedMailRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(ApprovalClosedMailRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;
        foreach (var recipient in input.Recipients)
        {
            if (input.End == ApprovalEnd.Withdrawn)
            {
                await tokens.RevokeAsync(TokenKind.Approval, mail.InstanceId, input.Round, recipient, cancellationToken, reason: Primitives.LinkGoneReason.Withdrawn);
            }

            var content = EmailComposer.Compose(new ApprovalClosedEmail(mail.OrderId, mail.SubscriptionId, input.OrganizationName, input.RequestedAdminEmail, input.End, input.DecidedBy), mail.Language);
            await email.SendAsync(
                new OutgoingEmail(mail.EmailKey(EmailKind.ApprovalClosed, input.Round, EmailAddress.Normalize(recipient)), EmailKind.ApprovalClosed, mail.OrderId, new EmailRecipient(recipient), content.Subject, content.PlainText, content.Html, new EmailLinks()),
                cancellationToken);
        }

        logger.LogInformation("Order {OrderId}: approval round {Round} {End}; {Count} approver(s) told", mail.OrderId, input.Round, input.End, input.Recipients.Count);
    }
}
