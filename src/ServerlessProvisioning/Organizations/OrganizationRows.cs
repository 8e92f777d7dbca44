using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// How an organization is laid out in the Organizations table: one partition per organization holding its
/// row (with the summary matching reads in one point read), a row per user and a row per subscription.
/// </summary>
public static class OrganizationRows
{
    const string OrganizationPrefix = "org|";
    const string UserPrefix = "user|";
    const string SubscriptionPrefix = "sub|";
    const string LockPrefix = "lock|";

    /// <summary>The partition of an organization.</summary>
    public static string PartitionKey(string organizationId) => TableKey.Encode(organizationId);

    /// <summary>
    /// RowKey of the organization's own row: "org|" + the partition key. Unique across the table although the
    /// partition alone identifies it, because Azurite (the local host's and CI's storage) finds an entity by its
    /// RowKey first and then scans every entity sharing it: with one constant RowKey, every summary read would
    /// cost time proportional to the number of organizations. Azure's (PartitionKey, RowKey) index does not care.
    /// </summary>
    public static string OrganizationRowKey(string organizationId) => OrganizationPrefix + PartitionKey(organizationId);

    /// <summary>The row of a user, keyed by normalized email.</summary>
    public static string UserRowKey(string email) => UserPrefix + TableKey.Encode(EmailAddress.Normalize(email));

    /// <summary>The row of a subscription.</summary>
    public static string SubscriptionRowKey(string subscriptionId) => SubscriptionPrefix + TableKey.Encode(subscriptionId);

    /// <summary>RowKey of the organization's write lock (see <see cref="OrganizationStore"/>); unique for the same reason as the organization row's.</summary>
    public static string LockRowKey(string partitionKey) => LockPrefix + partitionKey;

    /// <summary>Whether a row key is a write lock.</summary>
    public static bool IsLockRow(string rowKey) => rowKey.StartsWith(LockPrefix, StringComparison.Ordinal);

    /// <summary>Whether a row key is the organization's own row.</summary>
    public static bool IsOrganizationRow(string rowKey) => rowKey.StartsWith(OrganizationPrefix, StringComparison.Ordinal);

    /// <summary>Whether a row key is a user row.</summary>
    public static bool IsUserRow(string rowKey) => rowKey.StartsWith(UserPrefix, StringComparison.Ordinal);

    /// <summary>Whether a row key is a subscription row.</summary>
    public static bool IsSubscriptionRow(string rowKey) => rowKey.StartsWith(SubscriptionPrefix, StringComparison.Ordinal);

    /// <summary>The organization row carrying the summary.</summary>
    public static TableEntity OrganizationRow(OrganizationSummary summary, ETag etag = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var row = new TableEntity(PartitionKey(summary.OrganizationId), OrganizationRowKey(summary.OrganizationId))
        {
            ["Id"] = summary.OrganizationId,
            ["Name"] = summary.Name,
            ["NormalizedName"] = CompanyName.Normalize(summary.Name),
            ["Type"] = summary.Type.ToString(),
            ["CreatedAt"] = summary.CreatedAt,
            ["ActiveSubscriptions"] = summary.ActiveSubscriptions,
            ["Users"] = summary.Users,
            ["FullAdmins"] = Json.Serialize(summary.FullAdmins),
        };
        row.ETag = etag;
        return row;
    }

    /// <summary>Reads the summary from an organization row.</summary>
    public static OrganizationSummary ReadSummary(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new OrganizationSummary(
            row.GetString("Id"),
            row.GetString("Name"),
            Enum.Parse<OrganizationType>(row.GetString("Type")),
            row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            row.GetInt32("ActiveSubscriptions") ?? 0,
            row.GetInt32("Users") ?? 0,
            Json.Deserialize<List<AdminContact>>(row.GetString("FullAdmins") ?? "[]") ?? []);
    }

    /// <summary>A user row.</summary>
    public static TableEntity UserRow(string organizationId, OrganizationUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var row = new TableEntity(PartitionKey(organizationId), UserRowKey(user.Email))
        {
            ["Email"] = EmailAddress.Normalize(user.Email),
            ["Roles"] = string.Join(',', user.Roles.Distinct().Order()),
        };
        if (user.Name is not null)
        {
            row["Name"] = user.Name;
        }

        return row;
    }

    /// <summary>Reads a user row.</summary>
    public static OrganizationUser ReadUser(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var roles = (row.GetString("Roles") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(Enum.Parse<UserRole>)
            .ToList();
        return new OrganizationUser(row.GetString("Email"), row.GetString("Name"), roles);
    }

    /// <summary>A subscription row.</summary>
    public static TableEntity SubscriptionRow(string organizationId, OrganizationSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return new TableEntity(PartitionKey(organizationId), SubscriptionRowKey(subscription.Id))
        {
            ["SubscriptionId"] = subscription.Id,
            ["Status"] = subscription.Status.ToString(),
        };
    }

    /// <summary>Reads a subscription row.</summary>
    public static OrganizationSubscription ReadSubscription(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new OrganizationSubscription(row.GetString("SubscriptionId"), Enum.Parse<SubscriptionStatus>(row.GetString("Status")));
    }

    /// <summary>Rebuilds an organization from all rows of its partition; null without the organization row.</summary>
    public static Organization? Assemble(IEnumerable<TableEntity> partition)
    {
        TableEntity? head = null;
        var users = new List<OrganizationUser>();
        var subscriptions = new List<OrganizationSubscription>();
        foreach (var row in partition)
        {
            if (IsOrganizationRow(row.RowKey))
            {
                head = row;
            }
            else if (IsUserRow(row.RowKey))
            {
                users.Add(ReadUser(row));
            }
            else if (IsSubscriptionRow(row.RowKey))
            {
                subscriptions.Add(ReadSubscription(row));
            }
        }

        if (head is null)
        {
            return null;
        }

        var summary = ReadSummary(head);
        return new Organization(summary.OrganizationId, summary.Name, summary.Type, summary.CreatedAt, users, subscriptions);
    }

    /// <summary>Every row of an organization: its own row (with the summary), a row per user and per subscription.</summary>
    public static IReadOnlyList<TableEntity> RowsFor(Organization organization)
    {
        ArgumentNullException.ThrowIfNull(organization);
        return [
            OrganizationRow(organization.Summarize()),
            .. organization.Users.Select(u => UserRow(organization.Id, u)),
            .. organization.Subscriptions.Select(s => SubscriptionRow(organization.Id, s)),
        ];
    }

    /// <summary>Whether two sets of an organization's rows (write locks aside) hold the same rows with the same data.</summary>
    public static bool SameRows(IEnumerable<TableEntity> a, IEnumerable<TableEntity> b)
    {
        var left = a.Where(r => !IsLockRow(r.RowKey)).ToDictionary(r => r.RowKey, StringComparer.Ordinal);
        var right = b.Where(r => !IsLockRow(r.RowKey)).ToList();
        return left.Count == right.Count && right.All(r => left.TryGetValue(r.RowKey, out var l) && SameData(l, r));
    }

    /// <summary>Whether two rows carry the same data (ignoring keys, timestamps and ETags).</summary>
    public static bool SameData(TableEntity a, TableEntity b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var keysA = a.Keys.Where(IsDataProperty).ToHashSet(StringComparer.Ordinal);
        var keysB = b.Keys.Where(IsDataProperty).ToHashSet(StringComparer.Ordinal);
        return keysA.SetEquals(keysB) && keysA.All(k => string.Equals(Format(a[k]), Format(b[k]), StringComparison.Ordinal));
    }

    static bool IsDataProperty(string key) => key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag");

    static string? Format(object? value) => value switch
    {
        DateTimeOffset d => d.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        DateTime d => d.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString(),
    };
}
