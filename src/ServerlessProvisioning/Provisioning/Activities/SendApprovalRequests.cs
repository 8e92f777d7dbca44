using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// Emails the approval request (or reminder) to every full admin, each with a link of their own; <c>Nudge</c> numbers
/// an operator's reminder (0 for the request and the workflow's own reminder). From 1.4 a new request carries the
/// record of the step it opens (<c>Progress</c>), written before any link goes out.
/// </summary>
public sealed record ApprovalMailRequest(
    MailContext Mail,
    string ContactEmail,
    string CompanyName,
    string RequestedAdminEmail,
    string OrganizationId,
    string OrganizationName,
    IReadOnlyList<string> Approvers,
    int Round,
    DateTimeOffset ExpiresAt,
    bool IsReminder,
    int Nudge = 0,
    ProgressRequest? Progress = null);

/// <summary>Emails each approver a link of their own.</summary>
public sealed class SendApprovalRequests(LinkTokens tokens, OrderEmail email, IOptions<ProvisioningOptions> options, OrderStore orders, ILogger<SendApprovalRequests> logger)
    : MailActivity<ApprovalMailRequest>
{
    /// <inheritdoc/>
    protected override async Task SendAsync(ApprovalMailRequest input, CancellationToken cancellationToken)
    {
        var mail = input.Mail;
        var kind = input.IsReminder ? EmailKind.ApprovalReminder : EmailKind.ApprovalRequest;
        string Key(string approver) => input.Nudge == 0 ? mail.EmailKey(kind, input.Round, EmailAddress.Normalize(approver)) : mail.EmailKey(kind, input.Round, EmailAddress.Normalize(approver), "operator", input.Nudge);

        // The links and the emails are listed for the purge in the record's batch, before any token is stored or email sent.
        var listed = await orders.RecordCarriedAsync(
            input.Progress,
            cancellationToken,
            [.. input.Approvers.SelectMany(a => new[] { LinkTokens.Listing(mail.OrderId, tokens.Derive(TokenKind.Approval, mail.InstanceId, input.Round, a)), EmailDeliveries.Listing(mail.OrderId, Key(a)) }).DistinctBy(r => r.RowKey)]);
        foreach (var approver in input.Approvers)
        {
            var token = await tokens.IssueAsync(TokenKind.Approval, mail.OrderId, mail.InstanceId, input.Round, approver, input.ExpiresAt, cancellationToken, listed);
            var link = Links.Approval(options.Value.PublicBaseUrl, token);
            var facts = new ApprovalRequestEmail(mail.OrderId, mail.SubscriptionId, input.ContactEmail, input.CompanyName, input.OrganizationName, input.RequestedAdminEmail, input.ExpiresAt, link, input.IsReminder);
            var content = EmailComposer.Compose(facts, mail.Language);
            await email.SendAsync(
                new OutgoingEmail(Key(approver), kind, mail.OrderId, new EmailRecipient(approver), content.Subject, content.PlainText, content.Html, new EmailLinks(Approval: link, ApprovalToken: token)),
                cancellationToken,
                listed);
        }

        logger.LogInformation("Order {OrderId}: {Kind} sent to {Count} approvers", mail.OrderId, kind, input.Approvers.Count);
    }
}
