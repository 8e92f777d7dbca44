using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>Sends the invitation (or its reminder) for one invitation generation, revoking the previous generation's link.</summary>
public sealed record InvitationRequest(
    MailContext Mail,
    string ContactEmail,
    int Generation,
    DateTimeOffset ExpiresAt,
    bool IsReminder,
    string? PreviousContactEmail = null,
    ProgressRequest? Progress = null);

/// <summary>Issues the wizard link of this generation and emails it; from 1.3 it first records the step it starts (<see cref="InvitationRequest.Progress"/>).</summary>
public sealed class SendInvitation(LinkTokens tokens, OrderEmail email, IOptions<ProvisioningOptions> options, OrderStore orders, ILogger<SendInvitation> logger)
    : MailActivity<InvitationRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(InvitationRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;

        var kind = input.IsReminder ? EmailKind.InvitationReminder : EmailKind.Invitation;
        var key = mail.EmailKey(kind, input.Generation);

        // The link and the email are listed for the purge in the record's batch, before the token is stored and the email sent.
        var listed = await orders.RecordCarriedAsync(
            input.Progress,
            cancellationToken,
            [LinkTokens.Listing(mail.OrderId, tokens.Derive(TokenKind.Wizard, mail.InstanceId, input.Generation, input.ContactEmail)), EmailDeliveries.Listing(mail.OrderId, key)]);
        var redirected = !input.IsReminder && input.PreviousContactEmail is { } previous && !EmailAddress.SamePerson(previous, input.ContactEmail);
        if (input.Generation > 1 && !input.IsReminder)
        {
            await tokens.RevokeAsync(TokenKind.Wizard, mail.InstanceId, input.Generation - 1, input.PreviousContactEmail ?? input.ContactEmail, cancellationToken, redirected ? LinkGoneReason.Redirected : LinkGoneReason.Replaced);
        }

        var token = await tokens.IssueAsync(TokenKind.Wizard, mail.OrderId, mail.InstanceId, input.Generation, input.ContactEmail, input.ExpiresAt, cancellationToken, listed);
        var link = Links.Wizard(options.Value.PublicBaseUrl, token);
        var content = EmailComposer.Compose(new InvitationEmail(mail.OrderId, mail.SubscriptionId, input.ExpiresAt, link, input.IsReminder), mail.Language);
        await email.SendAsync(
            new OutgoingEmail(key, kind, mail.OrderId, new EmailRecipient(input.ContactEmail), content.Subject, content.PlainText, content.Html, new EmailLinks(Wizard: link, WizardToken: token)),
            cancellationToken,
            listed);
        logger.LogInformation("Order {OrderId}: {Kind} generation {Generation} sent", mail.OrderId, kind, input.Generation);
        if (redirected)
        {
            await TellPreviousContactAsync(mail, input, cancellationToken);
        }
    }

    // The previous contact hears their link is dead and why, not who has it now. A courtesy: an address that cannot
    // take it (often why the invitation was redirected) never holds up the new invitation, which went out first.
    async Task TellPreviousContactAsync(MailContext mail, InvitationRequest input, CancellationToken cancellationToken)
    {
        var notice = EmailComposer.Compose(new InvitationRedirectedEmail(mail.OrderId, mail.SubscriptionId), mail.Language);
        try
        {
            await email.SendAsync(
                new OutgoingEmail(mail.EmailKey(EmailKind.InvitationRedirected, input.Generation), EmailKind.InvitationRedirected, mail.OrderId, new EmailRecipient(input.PreviousContactEmail!), notice.Subject, notice.PlainText, notice.Html, new EmailLinks()),
                cancellationToken);
        }
        catch (Exception e) when (e is not (EmailThrottledException or OperationCanceledException))
        {
            logger.LogWarning("Order {OrderId}: the previous contact could not be told of the redirected invitation ({Error})", mail.OrderId, e.GetType().Name);
        }
    }
}
