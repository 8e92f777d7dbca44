using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>A subscription went to an existing organization without an approval (its admin already administers it): tell its other full admins.</summary>
public sealed record AssignmentNoticeRequest(MailContext Mail, string OrganizationId, string RequestedAdminEmail, string ContactEmail);

/// <summary>
/// Emails the organization's other full administrators (at most <see cref="OrderLimits.ApproversPerRequest"/>, read
/// now) that a subscription was assigned to it, from which order and for whom: nothing for them to do, but nothing
/// arrives in their organization unseen.
/// </summary>
public sealed class SendAssignmentNotice(OrganizationStore organizations, OrderEmail email) : MailActivity<AssignmentNoticeRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(AssignmentNoticeRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;
        if (await organizations.GetSummaryAsync(input.OrganizationId, cancellationToken) is not { } organization)
        {
            return;
        }

        var recipients = organization.FullAdmins
            .Where(a => !EmailAddress.SamePerson(a.Email, input.RequestedAdminEmail))
            .Take(OrderLimits.ApproversPerRequest);
        var content = EmailComposer.Compose(new AssignmentNoticeEmail(mail.OrderId, mail.SubscriptionId, organization.Name, input.RequestedAdminEmail, input.ContactEmail), mail.Language);
        foreach (var admin in recipients)
        {
            await email.SendAsync(
                new OutgoingEmail(mail.EmailKey(EmailKind.AssignmentNotice, EmailAddress.Normalize(admin.Email)), EmailKind.AssignmentNotice, mail.OrderId, new EmailRecipient(admin.Email), content.Subject, content.PlainText, content.Html, new EmailLinks()),
                cancellationToken);
        }
    }
}
