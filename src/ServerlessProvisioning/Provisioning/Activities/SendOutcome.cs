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
    ProgressRequest? Progress = null,
    bool Listed = false);

/// <summary>Emails the outcome; from 1.3 it first records the ending (<see cref="OutcomeMailRequest.Progress"/>).</summary>
public sealed class SendOutcome(LinkTokens tokens, OrderEmail email, IOptions<ProvisioningOptions> options, OrderStore orders) : MailActivity<OutcomeMailRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(OutcomeMailRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;
        string? link = null;
        string? token = null;
        var linked = Linked(input);
        var recipients = Recipients(input);

        // The link and the emails are listed for the purge in the record's batch, before the token is stored and the emails sent.
        var listed = input.Listed || await orders.RecordCarriedAsync(input.Progress, cancellationToken, Listings(input));
        if (linked)
        {
            // Issued (not only derived), so the link works even if the token key was rotated since the invitation.
            token = await tokens.IssueAsync(TokenKind.Wizard, mail.OrderId, mail.InstanceId, input.InvitationGeneration, input.ContactEmail, DateTimeOffset.MaxValue, cancellationToken, listed);
            link = Links.Wizard(options.Value.PublicBaseUrl, token);
        }

        var content = EmailComposer.Compose(new OutcomeEmail(mail.OrderId, mail.SubscriptionId, input.Outcome, input.OrganizationName, input.RequestedAdminEmail, input.Reason, link), mail.Language);
        foreach (var recipient in recipients)
        {
            await email.SendAsync(
                new OutgoingEmail(Key(mail, recipient), EmailKind.Outcome, mail.OrderId, new EmailRecipient(recipient), content.Subject, content.PlainText, content.Html, new EmailLinks(Wizard: link, WizardToken: token)),
                cancellationToken,
                listed);
        }
    }

    /// <summary>
    /// The rows that list the outcome's emails and link for the purge, for the record written before they go out
    /// (<see cref="OutcomeMailRequest.Listed"/> once written).
    /// </summary>
    public IReadOnlyList<Azure.Data.Tables.TableEntity> Listings(OutcomeMailRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var mail = input.Mail;
        var listings = Recipients(input).Select(r => EmailDeliveries.Listing(mail.OrderId, Key(mail, r))).DistinctBy(r => r.RowKey).ToList();
        if (Linked(input))
        {
            listings.Add(LinkTokens.Listing(mail.OrderId, tokens.Derive(TokenKind.Wizard, mail.InstanceId, input.InvitationGeneration, input.ContactEmail)));
        }

        return listings;
    }

    // An ending that leaves something to see carries the wizard link.
    static bool Linked(OutcomeMailRequest input) => input.Outcome is not (null or ProvisioningOutcome.Expired or ProvisioningOutcome.Cancelled);

    static List<string> Recipients(OutcomeMailRequest input) => input.AlsoNotify.Prepend(input.ContactEmail).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    static string Key(MailContext mail, string recipient) => mail.EmailKey(EmailKind.Outcome, EmailAddress.Normalize(recipient));
}
