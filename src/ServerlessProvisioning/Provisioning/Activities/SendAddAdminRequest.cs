using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>PartnerForCustomer: asks the existing full admins to add the new admin.</summary>
public sealed record AddAdminMailRequest(MailContext Mail, string OrganizationName, string RequestedAdminEmail, IReadOnlyList<string> Admins);

/// <summary>Asks the existing full admins to add the new admin (PartnerForCustomer).</summary>
public sealed class SendAddAdminRequest(IEmailSender email) : MailActivity<AddAdminMailRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(AddAdminMailRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;
        foreach (var admin in input.Admins)
        {
            var content = EmailComposer.Compose(new AddAdminRequestEmail(mail.OrderId, mail.SubscriptionId, input.OrganizationName, input.RequestedAdminEmail), mail.Language);
            await email.SendAsync(
                new OutgoingEmail(mail.EmailKey(EmailKind.AddAdminRequest, EmailAddress.Normalize(admin)), EmailKind.AddAdminRequest, mail.OrderId, new EmailRecipient(admin), content.Subject, content.PlainText, content.Html, new EmailLinks()),
                cancellationToken);
        }
    }
}
