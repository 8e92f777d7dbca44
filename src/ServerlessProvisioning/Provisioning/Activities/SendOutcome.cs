using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>Tells the contact (and, when cancelling a pending approval, the approvers) how it ended.</summary>
public sealed record OutcomeMailRequest(
    MailContext Mail,
    string ContactEmail,
    int InvitationGeneration,
    ProvisioningOutcome? Outcome,
    string? OrganizationName,
    string? RequestedAdminEmail,
    string? Reason,
    IReadOnlyList<string> AlsoNotify,
    ProgressRequest? Progress = null);

/// <summary>Emails the outcome; from 1.3 it first records the ending (<see cref="OutcomeMailRequest.Progress"/>).</summary>
public sealed class SendOutcome(LinkTokens tokens, OrderEmail email, IOptions<ProvisioningOptions> options, OrderStore orders) : MailActivity<OutcomeMailRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(OutcomeMailRequest input, CancellationToken cancellationToken)
    {
        await orders.RecordCarriedAsync(input.Progress, cancellationToken);
        var mail = input.Mail;
        string? link = null;
        string? token = null;
        if (input.Outcome is not (null or ProvisioningOutcome.Expired or ProvisioningOutcome.Cancelled))
        {
            // Issued (not only derived), so the link works even if the token key was rotated since the invitation.
            token = await tokens.IssueAsync(TokenKind.Wizard, mail.OrderId, mail.InstanceId, input.InvitationGeneration, input.ContactEmail, DateTimeOffset.MaxValue, cancellationToken);
            link = Links.Wizard(options.Value.PublicBaseUrl, token);
        }

        var content = EmailComposer.Compose(new OutcomeEmail(mail.OrderId, mail.SubscriptionId, input.Outcome, input.OrganizationName, input.RequestedAdminEmail, input.Reason, link), mail.Language);
        foreach (var recipient in input.AlsoNotify.Prepend(input.ContactEmail).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            await email.SendAsync(
                new OutgoingEmail(mail.EmailKey(EmailKind.Outcome, EmailAddress.Normalize(recipient)), EmailKind.Outcome, mail.OrderId, new EmailRecipient(recipient), content.Subject, content.PlainText, content.Html, new EmailLinks(Wizard: link, WizardToken: token)),
                cancellationToken);
        }
    }
}
