using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// PartnerForCustomer: asks the existing full admins to add the new admin, each with an approval-page link of their own
/// (<see cref="TokenKind.AddAdmin"/>) that works until <paramref name="ExpiresAt"/>. An input queued before links existed
/// has no <paramref name="OrganizationId"/>: its emails go out without one, as they did then.
/// </summary>
public sealed record AddAdminMailRequest(MailContext Mail, string OrganizationName, string RequestedAdminEmail, IReadOnlyList<string> Admins, string? OrganizationId = null, DateTimeOffset? ExpiresAt = null);

/// <summary>Asks the existing full admins to add the new admin (PartnerForCustomer).</summary>
public sealed class SendAddAdminRequest(LinkTokens tokens, OrderEmail email, IOptions<ProvisioningOptions> options) : MailActivity<AddAdminMailRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(AddAdminMailRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;
        foreach (var admin in input.Admins)
        {
            string? token = null;
            string? link = null;
            if (input is { OrganizationId: not null, ExpiresAt: { } expiresAt })
            {
                token = await tokens.IssueAsync(TokenKind.AddAdmin, mail.OrderId, mail.InstanceId, 1, admin, expiresAt, cancellationToken);
                link = Links.Approval(options.Value.PublicBaseUrl, token);
            }

            var content = EmailComposer.Compose(new AddAdminRequestEmail(mail.OrderId, mail.SubscriptionId, input.OrganizationName, input.RequestedAdminEmail, link, input.ExpiresAt), mail.Language);
            await email.SendAsync(
                new OutgoingEmail(mail.EmailKey(EmailKind.AddAdminRequest, EmailAddress.Normalize(admin)), EmailKind.AddAdminRequest, mail.OrderId, new EmailRecipient(admin), content.Subject, content.PlainText, content.Html, new EmailLinks(Approval: link, ApprovalToken: token)),
                cancellationToken);
        }
    }
}
