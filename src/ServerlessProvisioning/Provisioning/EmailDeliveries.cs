using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Notifications.Acs;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>What became of one delivery report.</summary>
public enum DeliveryReportOutcome
{
    /// <summary>A failed delivery of one of our emails, now in its order's audit.</summary>
    Recorded,

    /// <summary>A failed delivery already in the audit under the same message id and status (the event came again).</summary>
    Repeated,

    /// <summary>The email arrived (Delivered, or a list Expanded): nothing to audit.</summary>
    Delivered,

    /// <summary>No email of ours has that message id (another app's, or one whose order retention has purged).</summary>
    UnknownMessage,
}

/// <summary>
/// Emails by message id, so that the email service's delivery reports find their order: before an email is handed
/// over, its message id (the ACS operation id its idempotency key gives, <see cref="EmailOperationId"/>) is upserted
/// with its order, kind and recipient. A failed delivery then becomes an <see cref="AuditAction.EmailDeliveryFailed"/>
/// entry in the order's audit, once per message id and status however often it is reported.
/// </summary>
/// <remarks>
/// Table <see cref="TableNames.EmailMessages"/>: <c>PartitionKey = RowKey = message id</c> (one point read per
/// report). The order's partition of the Orders table lists its message ids (<c>mail|&lt;message id&gt;</c>), so that
/// retention finds an order's messages without a scan; an email sent with a progress record is listed in the record's
/// batch. Orders listed before that have <c>PartitionKey = order|&lt;order id&gt;</c> rows here instead.
/// </remarks>
public sealed class EmailDeliveries(TableServiceClient service, TableNames names, OrderStore orders, ILogger<EmailDeliveries> logger)
{
    /// <summary>The audit's actor for what the email service reports.</summary>
    public const string Actor = "email-service";

    /// <summary>The longest status message kept in the audit (ACS's are a sentence or two).</summary>
    public const int MaxStatusMessage = 300;

    const string OrderPrefix = "order|";
    const string ListingPrefix = "mail|";
    const string ListingEnd = "mail}";
    readonly TableClient table = service.GetTableClient(names.EmailMessages);
    readonly TableClient orderRows = service.GetTableClient(names.Orders);

    /// <summary>The row of the order's partition (Orders table) that lists the email with <paramref name="idempotencyKey"/> for the purge.</summary>
    public static TableEntity Listing(string orderId, string idempotencyKey) =>
        new(OrderRow.PartitionKey(orderId), ListingPrefix + TableKey.Encode(EmailOperationId.FromIdempotencyKey(idempotencyKey).ToString("D")));

    /// <summary>The message id an email is sent, and its delivery reported, under.</summary>
    public static string MessageIdOf(OutgoingEmail email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return EmailOperationId.FromIdempotencyKey(email.IdempotencyKey).ToString("D");
    }

    /// <summary>
    /// Remembers the email under its message id (upserts: an activity that runs again writes the same rows), and lists
    /// it in its order's partition unless <paramref name="listed"/> (its <see cref="Listing"/> was written already).
    /// </summary>
    public async Task RecordAsync(OutgoingEmail email, CancellationToken cancellationToken, bool listed = false)
    {
        var messageId = MessageIdOf(email);
        var key = TableKey.Encode(messageId);
        await table.UpsertEntityAsync(new TableEntity(key, key)
        {
            ["OrderId"] = email.OrderId,
            ["Kind"] = email.Kind.ToString(),
            ["Recipient"] = email.To.Address,
        }, TableUpdateMode.Replace, cancellationToken);
        if (!listed)
        {
            await orderRows.UpsertEntityAsync(Listing(email.OrderId, email.IdempotencyKey), TableUpdateMode.Replace, cancellationToken);
        }
    }

    /// <summary>Applies one delivery report: a failure of one of our emails goes into its order's audit, once.</summary>
    public async Task<DeliveryReportOutcome> ApplyAsync(EmailDeliveryReport report, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var key = TableKey.Encode(report.MessageId);
        var sent = await table.GetEntityIfExistsAsync<TableEntity>(key, key, cancellationToken: cancellationToken);
        if (!sent.HasValue)
        {
            logger.LogInformation("Delivery report {Status} for message {MessageId}, which is not one of ours: ignored", report.Status, report.MessageId);
            return DeliveryReportOutcome.UnknownMessage;
        }

        var orderId = sent.Value!.GetString("OrderId");
        var kind = sent.Value.GetString("Kind");
        if (!report.IsFailure)
        {
            logger.LogInformation("Order {OrderId}: {EmailKind} email {MessageId} {Status}", orderId, kind, report.MessageId, report.Status);
            return DeliveryReportOutcome.Delivered;
        }

        var detail = Detail(kind, sent.Value.GetString("Recipient"), report);
        var added = await orders.RecordAuditOnceAsync(
            orderId,
            $"delivery|{report.MessageId}|{report.Status.ToUpperInvariant()}",
            sequence => new AuditEntry(sequence, report.AttemptedAt ?? receivedAt, Actor, nameof(AuditAction.EmailDeliveryFailed), detail),
            cancellationToken);
        logger.LogWarning(
            "Order {OrderId}: {EmailKind} email {MessageId} was not delivered ({Status}){Repeat}",
            orderId, kind, report.MessageId, report.Status, added ? "" : "; reported before");
        return added ? DeliveryReportOutcome.Recorded : DeliveryReportOutcome.Repeated;
    }

    /// <summary>Forgets an order's messages (retention purge); idempotent.</summary>
    public async Task DeleteOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        // Before the order's partition goes (its listing rows with it).
        var listings = TableClient.CreateQueryFilter($"PartitionKey eq {OrderRow.PartitionKey(orderId)} and RowKey ge {ListingPrefix} and RowKey lt {ListingEnd}");
        await foreach (var e in orderRows.QueryAsync<TableEntity>(listings, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            var key = e.RowKey[ListingPrefix.Length..];
            await table.DeleteEntityAsync(key, key, ETag.All, cancellationToken);
        }

        var pk = TableKey.Encode(OrderPrefix + orderId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(e.RowKey, e.RowKey, ETag.All, cancellationToken);
            await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
        }
    }

    // "Invitation to buyer@example.com: Bounced (550 5.1.1 …)": whole addresses, as the rest of the audit shows them.
    static string Detail(string? kind, string? recipient, EmailDeliveryReport report)
    {
        var message = report.StatusMessage?.Trim();
        if (message is { Length: > MaxStatusMessage })
        {
            message = message[..MaxStatusMessage] + "…";
        }

        return $"{kind} to {recipient}: {report.Status}" + (string.IsNullOrEmpty(message) ? "" : $" ({message})");
    }
}

/// <summary>
/// How the workflow's activities (and the API's add-admin decision) send an order's email: the message id is recorded
/// first (<see cref="EmailDeliveries.RecordAsync"/>), so a delivery report never arrives before its record, then the
/// email goes to the port.
/// </summary>
public sealed class OrderEmail(IEmailSender sender, EmailDeliveries deliveries)
{
    /// <summary>Records the email's message id, then hands it over (see <see cref="IEmailSender.SendAsync"/>).</summary>
    /// <remarks><paramref name="listed"/>: the email's <see cref="EmailDeliveries.Listing"/> was written with a progress record.</remarks>
    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken, bool listed = false)
    {
        ArgumentNullException.ThrowIfNull(email);
        await deliveries.RecordAsync(email, cancellationToken, listed);
        await sender.SendAsync(email, cancellationToken);
    }
}
