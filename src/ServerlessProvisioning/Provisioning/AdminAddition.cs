using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>What an approval link asks its holder: the approval page's <c>kind</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ApprovalKind>))]
public enum ApprovalKind
{
    /// <summary>To approve the new administrator before the subscription is assigned (CustomerSelf, PartnerSelf).</summary>
    [JsonStringEnumMemberName("approval")]
    Approval,

    /// <summary>To add the new administrator to an organization the subscription was already assigned to (PartnerForCustomer).</summary>
    [JsonStringEnumMemberName("addAdmin")]
    AddAdmin,
}

/// <summary>How an add-admin request was decided: by whom, when, with what comment; <see cref="Applied"/> once its effects are all done.</summary>
public sealed record AdminAdditionDecision(bool Approved, string DecidedBy, string? Comment, DateTimeOffset DecidedAt, bool Applied);

/// <summary>What an add-admin request is about, from the finished order's status.</summary>
public sealed record AdminAdditionRequest(
    string OrderId,
    string InstanceId,
    string SubscriptionId,
    string OrganizationId,
    string OrganizationName,
    string RequestedAdminEmail,
    string? ContactEmail,
    string Language);

/// <summary>What a decision came to for the one who sent it.</summary>
public enum AdminAdditionVerdict
{
    /// <summary>This decision is the one that counts (taken now, or the same holder's same decision again).</summary>
    Taken,

    /// <summary>The same holder decided the other way before: 409.</summary>
    DecidedOtherwise,

    /// <summary>Another administrator decided first: 410 <c>decided</c>.</summary>
    DecidedByAnother,

    /// <summary>The organization no longer exists: nothing was decided, 410 <c>closed</c>.</summary>
    OrganizationGone,
}

/// <summary>
/// The one-click add of a PartnerForCustomer order (docs/rules.md): each full administrator asked has a link of their
/// own, and the first decision counts. The order has finished, so no workflow waits for it: the decision is one row in
/// the order's partition of the Orders table, inserted only if absent, so of two administrators deciding at the same
/// moment exactly one wins. Its effects are idempotent (the directory write, the audit rows at fixed sequences, the
/// contact's email by its idempotency key) and the row says when they are all done, so the same holder deciding the
/// same way again finishes whatever an interrupted request left undone, and never adds twice.
/// </summary>
public sealed class AdminAdditions(TableServiceClient service, TableNames names, OrganizationStore organizations, OrderStore orders, OrderEmail email, ILogger<AdminAdditions> logger)
{
    /// <summary>
    /// The audit sequences the decision writes from. The workflow numbers its own entries from 1, and may still add some
    /// after the order completed (the outcome callback's); numbering these apart keeps the two from ever meeting.
    /// </summary>
    public const int AuditSequence = 1_000_000;

    const string RowKey = "addadmin";
    readonly TableClient table = service.GetTableClient(names.Orders);

    /// <summary>The decision, or null while nobody has decided (one point read).</summary>
    public async Task<AdminAdditionDecision?> GetAsync(string orderId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(OrderRow.PartitionKey(orderId), RowKey, cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <summary>
    /// Why the link of <paramref name="holder"/> no longer works, or null: another administrator decided
    /// (<see cref="LinkGoneReason.Decided"/>); or, while nobody has, its deadline passed, the organization is gone, or
    /// the holder is no longer one of its full administrators.
    /// </summary>
    public async Task<LinkGoneReason?> WhyGoneAsync(AdminAdditionDecision? decision, string organizationId, string? holder, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (decision is not null)
        {
            return holder is not null && EmailAddress.SamePerson(decision.DecidedBy, holder) ? null : LinkGoneReason.Decided;
        }

        if (now > expiresAt)
        {
            return LinkGoneReason.Expired;
        }

        var organization = await organizations.GetSummaryAsync(organizationId, cancellationToken);
        return organization is null ? LinkGoneReason.Closed
            : holder is null || !organization.FullAdmins.Any(a => EmailAddress.SamePerson(a.Email, holder)) ? LinkGoneReason.NoLongerAdmin
            : null;
    }

    /// <summary>
    /// Decides the request for <paramref name="holder"/> unless someone decided first, then applies the decision
    /// (see the class). <see cref="AdminAdditionVerdict.Taken"/> comes with the decision that counts, and whether this
    /// call changed the directory (a new full administrator).
    /// </summary>
    /// <exception cref="OrganizationBusyException">Another write to the organization held it too long; the decision stands and deciding again finishes it.</exception>
    public async Task<(AdminAdditionVerdict Verdict, AdminAdditionDecision? Decision, bool DirectoryChanged)> DecideAsync(AdminAdditionRequest request, string holder, bool approved, string? comment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pk = OrderRow.PartitionKey(request.OrderId);
        var decision = new AdminAdditionDecision(approved, holder, comment, now, Applied: false);
        try
        {
            await table.AddEntityAsync(ToEntity(pk, decision), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            decision = await GetAsync(request.OrderId, cancellationToken) ?? throw new InvalidOperationException("An add-admin decision vanished while being taken.", e);
            if (!EmailAddress.SamePerson(decision.DecidedBy, holder))
            {
                return (AdminAdditionVerdict.DecidedByAnother, decision, false);
            }

            if (decision.Approved != approved)
            {
                return (AdminAdditionVerdict.DecidedOtherwise, decision, false);
            }

            if (decision.Applied)
            {
                return (AdminAdditionVerdict.Taken, decision, false);
            }
        }

        var changed = false;
        if (decision.Approved)
        {
            try
            {
                var write = await organizations.AddFullAdminAsync(request.OrganizationId, request.RequestedAdminEmail, null, cancellationToken);
                changed = write.Outcome != OrganizationWrite.Unchanged;
            }
            catch (OrganizationNotFoundException)
            {
                // Deleted since the link was opened: nothing to add to, so nothing is decided.
                await table.DeleteEntityAsync(pk, RowKey, ETag.All, cancellationToken);
                return (AdminAdditionVerdict.OrganizationGone, null, false);
            }
        }

        await orders.RecordAuditAsync(request.OrderId, AuditOf(request, decision), cancellationToken);
        var told = await TellContactAsync(request, decision, cancellationToken);
        if (told)
        {
            decision = decision with { Applied = true };
            await table.UpdateEntityAsync(new TableEntity(pk, RowKey) { ["Applied"] = true }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }

        logger.LogInformation("Order {OrderId}: the request to add an administrator was {Decision}", request.OrderId, decision.Approved ? "approved" : "declined");
        return (AdminAdditionVerdict.Taken, decision, changed);
    }

    static List<AuditEntry> AuditOf(AdminAdditionRequest request, AdminAdditionDecision decision) => decision.Approved
        ?
        [
            new(AuditSequence + 1, decision.DecidedAt, decision.DecidedBy, nameof(AuditAction.AdminAdditionApproved), decision.Comment),
            new(AuditSequence + 2, decision.DecidedAt, "system", nameof(AuditAction.AdministratorAdded), $"{request.RequestedAdminEmail} to {request.OrganizationId}"),
        ]
        : [new(AuditSequence + 1, decision.DecidedAt, decision.DecidedBy, nameof(AuditAction.AdminAdditionDeclined), decision.Comment)];

    // The contact hears the decision; an email service that fails or asks to wait leaves the decision unapplied, so
    // the holder deciding again sends it (its idempotency key keeps it to one).
    async Task<bool> TellContactAsync(AdminAdditionRequest request, AdminAdditionDecision decision, CancellationToken cancellationToken)
    {
        if (request.ContactEmail is null)
        {
            return true;
        }

        var content = EmailComposer.Compose(new AdminAdditionDecidedEmail(request.OrderId, request.SubscriptionId, request.OrganizationName, request.RequestedAdminEmail, decision.Approved, decision.Comment), request.Language);
        var key = string.Join('/', request.InstanceId, EmailKind.AdminAdditionDecided, decision.Approved ? "approved" : "declined");
        try
        {
            await email.SendAsync(new OutgoingEmail(key, EmailKind.AdminAdditionDecided, request.OrderId, new EmailRecipient(request.ContactEmail), content.Subject, content.PlainText, content.Html, new EmailLinks()), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Order {OrderId}: the contact could not be told of the add-admin decision yet", request.OrderId);
            return false;
        }
    }

    static TableEntity ToEntity(string pk, AdminAdditionDecision d) => new(pk, RowKey)
    {
        ["Approved"] = d.Approved,
        ["DecidedBy"] = d.DecidedBy,
        ["Comment"] = d.Comment,
        ["DecidedAt"] = d.DecidedAt,
        ["Applied"] = d.Applied,
    };

    static AdminAdditionDecision FromEntity(TableEntity e) => new(
        e.GetBoolean("Approved") ?? false,
        e.GetString("DecidedBy"),
        e.GetString("Comment"),
        e.GetDateTimeOffset("DecidedAt") ?? default,
        e.GetBoolean("Applied") ?? false);
}
