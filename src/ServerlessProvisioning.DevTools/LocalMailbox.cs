using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.DevTools;

/// <summary>
/// One email as the local mailbox lists it (SPEC §4): the tokens inside its links and a verification code it carries are
/// kept for scripts, and the message id a delivery report about it names.
/// </summary>
public sealed record MailboxEntry(
    string Id,
    string To,
    string Subject,
    EmailKind Kind,
    string OrderId,
    DateTimeOffset SentAt,
    MailboxLinks Links,
    string? WizardToken,
    string? ApprovalToken,
    string Text,
    string? VerificationCode = null,
    string? MessageId = null);

/// <summary>The links of a mailbox entry.</summary>
public sealed record MailboxLinks(string? Wizard, string? Approval);

/// <summary>
/// The email sender of the local host: every email is kept in Table Storage instead of being sent. The
/// idempotency key row and the message row are written in one batch, so a key is delivered at most once
/// and never half-delivered. Mail to a <c>.invalid</c> domain is kept and reported bounced (<see cref="LocalDeliveryReports"/>),
/// when the host posts those reports. A local tool: never part of what is deployed to Azure.
/// </summary>
public sealed class LocalMailbox(TableServiceClient service, TableNames names, TimeProvider time, LocalDeliveryReports? reports = null) : IEmailSender, IOrderDataOwner
{
    /// <summary>The mailbox's table, beside the product's tables and with their prefix.</summary>
    public static string TableName(TableNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return names.Prefix + "Mailbox";
    }

    const string Partition = "mailbox";
    const string KeyPrefix = "key|";
    const string MessagePrefix = "msg|";

    readonly TableClient table = service.GetTableClient(TableName(names));

    /// <inheritdoc/>
    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(email.IdempotencyKey)))[..32];
        var now = time.GetUtcNow();
        var inverted = (DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
        var message = new TableEntity(Partition, $"{MessagePrefix}{inverted}|{hash}")
        {
            ["Id"] = hash,
            ["To"] = email.To.Address,
            ["Subject"] = email.Subject,
            ["Kind"] = email.Kind.ToString(),
            ["OrderId"] = email.OrderId,
            ["SentAt"] = now,
            ["WizardLink"] = email.Links.Wizard,
            ["ApprovalLink"] = email.Links.Approval,
            ["WizardToken"] = email.Links.WizardToken,
            ["ApprovalToken"] = email.Links.ApprovalToken,
            ["VerificationCode"] = email.Links.VerificationCode,
            ["Text"] = email.PlainText,
            ["Html"] = email.Html,
            ["MessageId"] = EmailDeliveries.MessageIdOf(email),
        };
        var key = new TableEntity(Partition, KeyPrefix + hash) { ["MessageRowKey"] = message.RowKey, ["OrderId"] = email.OrderId };
        try
        {
            await table.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.Add, key), new TableTransactionAction(TableTransactionActionType.Add, message)],
                cancellationToken);
            // Kept now for the first time: an address that bounces is reported (once: a repeat lands below).
            reports?.Kept(email, now);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // Delivered before under the same idempotency key: nothing to do.
        }
    }

    /// <summary>Every email kept, newest first; optionally only one order's.</summary>
    public async Task<IReadOnlyList<MailboxEntry>> ListAsync(string? orderId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {MessagePrefix} and RowKey lt {"msg}"}");
        var entries = new List<MailboxEntry>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (orderId is null || e.GetString("OrderId") == orderId)
            {
                entries.Add(Read(e));
            }
        }

        return entries;
    }

    /// <summary>The HTML of one email, or null.</summary>
    public async Task<string?> GetHtmlAsync(string id, CancellationToken cancellationToken)
    {
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        var key = await table.GetEntityIfExistsAsync<TableEntity>(Partition, KeyPrefix + id, cancellationToken: cancellationToken);
        if (!key.HasValue)
        {
            return null;
        }

        var message = await table.GetEntityIfExistsAsync<TableEntity>(Partition, key.Value!.GetString("MessageRowKey"), cancellationToken: cancellationToken);
        return message.HasValue ? message.Value!.GetString("Html") : null;
    }

    /// <summary>Creates the mailbox's table if it is missing.</summary>
    public Task CreateTableAsync(CancellationToken cancellationToken) => table.CreateIfNotExistsAsync(cancellationToken);

    /// <summary>Deletes the emails of an order (retention purge); the idempotency keys go with them.</summary>
    public async Task DeleteOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and OrderId eq {orderId}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
        }
    }

    static MailboxEntry Read(TableEntity e) => new(
        e.GetString("Id"),
        e.GetString("To"),
        e.GetString("Subject"),
        Enum.Parse<EmailKind>(e.GetString("Kind")),
        e.GetString("OrderId"),
        e.GetDateTimeOffset("SentAt") ?? default,
        new MailboxLinks(e.GetString("WizardLink"), e.GetString("ApprovalLink")),
        e.GetString("WizardToken"),
        e.GetString("ApprovalToken"),
        e.GetString("Text"),
        e.GetString("VerificationCode"),
        e.GetString("MessageId"));
}
