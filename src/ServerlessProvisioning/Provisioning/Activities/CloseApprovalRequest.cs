using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// Tells approvers that a request ended (by someone else, by the clock, withdrawn, or closed because the organization
/// changed); for a closed one, also the contact (<see cref="Contact"/>), who chooses again.
/// </summary>
public sealed record ApprovalClosedMailRequest(
    MailContext Mail,
    string OrganizationName,
    string RequestedAdminEmail,
    int Round,
    IReadOnlyList<string> Recipients,
    [property: JsonConverter(typeof(ApprovalEndMemberNameConverter))] ApprovalEnd End,
    string? DecidedBy,
    ContactNotice? Contact = null);

/// <summary>The contact to tell that their request closed: their invitation (for the link) and until when they can choose again.</summary>
public sealed record ContactNotice(string ContactEmail, int InvitationGeneration, DateTimeOffset ChooseBy);

/// <summary>
/// Emails each recipient that the request ended and how, so nobody acts on it any more; a withdrawn request's links
/// are revoked, so they answer 410 <c>withdrawn</c>.
/// </summary>
public sealed class CloseApprovalRequest(LinkTokens tokens, OrderEmail email, IOptions<ProvisioningOptions> options, ILogger<CloseApprovalRequest> logger) : MailActivity<ApprovalClosedMailRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(ApprovalClosedMailRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;
        foreach (var recipient in input.Recipients)
        {
            if (input.End is ApprovalEnd.Withdrawn or ApprovalEnd.Closed)
            {
                var reason = input.End == ApprovalEnd.Closed ? Primitives.LinkGoneReason.Closed : Primitives.LinkGoneReason.Withdrawn;
                await tokens.RevokeAsync(TokenKind.Approval, mail.InstanceId, input.Round, recipient, cancellationToken, reason: reason);
            }

            var content = EmailComposer.Compose(new ApprovalClosedEmail(mail.OrderId, mail.SubscriptionId, input.OrganizationName, input.RequestedAdminEmail, input.End, input.DecidedBy), mail.Language);
            await email.SendAsync(
                new OutgoingEmail(mail.EmailKey(EmailKind.ApprovalClosed, input.Round, EmailAddress.Normalize(recipient)), EmailKind.ApprovalClosed, mail.OrderId, new EmailRecipient(recipient), content.Subject, content.PlainText, content.Html, new EmailLinks()),
                cancellationToken);
        }

        if (input.Contact is { } contact)
        {
            // Issued (not only derived), so the link works even if the token key was rotated since the invitation.
            var token = await tokens.IssueAsync(TokenKind.Wizard, mail.OrderId, mail.InstanceId, contact.InvitationGeneration, contact.ContactEmail, DateTimeOffset.MaxValue, cancellationToken);
            var link = Links.Wizard(options.Value.PublicBaseUrl, token);
            var content = EmailComposer.Compose(new RequestClosedEmail(mail.OrderId, mail.SubscriptionId, input.OrganizationName, input.RequestedAdminEmail, contact.ChooseBy, link), mail.Language);
            await email.SendAsync(
                new OutgoingEmail(mail.EmailKey(EmailKind.RequestClosed, input.Round, EmailAddress.Normalize(contact.ContactEmail)), EmailKind.RequestClosed, mail.OrderId, new EmailRecipient(contact.ContactEmail), content.Subject, content.PlainText, content.Html, new EmailLinks(Wizard: link, WizardToken: token)),
                cancellationToken);
        }

        logger.LogInformation("Order {OrderId}: approval round {Round} {End}; {Count} approver(s) told", mail.OrderId, input.Round, input.End, input.Recipients.Count);
    }
}
