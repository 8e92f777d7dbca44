using Azure.Data.Tables;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// The order's row in its partition of the Orders table (RowKey <c>order</c>): the projection operators read, also
/// remembering where the order is indexed (<see cref="OrderIndex"/>).
/// </summary>
internal static class OrderRow
{
    /// <summary>The row's RowKey.</summary>
    public const string RowKey = "order";

    /// <summary>The order's partition key.</summary>
    public static string PartitionKey(string orderId) => TableKey.Encode(orderId);

    /// <summary>A newly registered order's row.</summary>
    public static TableEntity ToEntity(OrderRecord r) => new(PartitionKey(r.OrderId), RowKey)
    {
        ["OrderId"] = r.OrderId,
        ["InstanceId"] = r.InstanceId,
        ["Fingerprint"] = r.Fingerprint,
        ["CreatedAt"] = r.CreatedAt,
        ["UpdatedAt"] = r.UpdatedAt,
        ["Stage"] = r.Stage.ToString(),
        ["Outcome"] = r.Outcome?.ToString(),
        ["OrganizationId"] = r.OrganizationId,
        ["WorkflowStarted"] = r.WorkflowStarted,
        ["StartClaimedAt"] = r.StartClaimedAt,
        ["SubscriptionId"] = r.SubscriptionId,
        ["ContactEmail"] = r.ContactEmail,
        ["ExpiresAt"] = r.ExpiresAt,
    };

    /// <summary>The order as its row says.</summary>
    public static OrderRecord FromEntity(TableEntity e) => new(
        e.GetString("OrderId"),
        e.GetString("InstanceId"),
        e.GetString("Fingerprint"),
        e.GetDateTimeOffset("CreatedAt") ?? default,
        e.GetDateTimeOffset("UpdatedAt") ?? default,
        Enum.Parse<ProvisioningStage>(e.GetString("Stage")),
        e.GetString("Outcome") is { Length: > 0 } o ? Enum.Parse<ProvisioningOutcome>(o) : null,
        e.GetString("OrganizationId") is { Length: > 0 } org ? org : null,
        e.GetBoolean("WorkflowStarted") ?? true,
        e.GetDateTimeOffset("StartClaimedAt"),
        e.GetString("ChosenOrganizationId") is { Length: > 0 } chosen ? chosen : null,
        e.GetString("SubscriptionId") is { Length: > 0 } subscription ? subscription : null,
        e.GetString("ContactEmail") is { Length: > 0 } contact ? contact : null,
        e.GetString("CompanyName") is { Length: > 0 } company ? company : null,
        e.GetDateTimeOffset("ExpiresAt"));

    /// <summary>
    /// What progress changes in the row (merged); <c>ProgressSequence</c> keeps an older step from rolling it back. The
    /// search facts are merged only when the progress carries them (older workflows' records may not).
    /// </summary>
    public static TableEntity Progress(ProgressRequest progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var entity = new TableEntity(PartitionKey(progress.OrderId), RowKey)
        {
            ["Stage"] = progress.Stage.ToString(),
            ["UpdatedAt"] = progress.At,
            ["Outcome"] = progress.Outcome?.ToString() ?? string.Empty,
            ["OrganizationId"] = progress.OrganizationId ?? string.Empty,
            ["ChosenOrganizationId"] = progress.ChosenOrganizationId ?? string.Empty,
            ["ProgressSequence"] = progress.Sequence,

            // A record comes from the workflow, so it exists: a repeated delivery need not look (the webhook leaves this to it).
            ["WorkflowStarted"] = true,
        };
        foreach (var (name, value) in new (string, object?)[] { ("SubscriptionId", progress.SubscriptionId), ("ContactEmail", progress.ContactEmail), ("CompanyName", progress.CompanyName), ("ExpiresAt", progress.ExpiresAt) })
        {
            if (value is not null)
            {
                entity[name] = value;
            }
        }

        return entity;
    }
}
