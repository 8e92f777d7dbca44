using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// How an organization is laid out in the Organizations table: one partition per organization, holding one row
/// that is the whole organization — its name, type and creation time as properties, and its users and
/// subscriptions as one JSON document (<c>Data</c>, split by <see cref="ChunkedJson"/>). Reading or replacing an
/// organization is therefore one point read, whatever the size of the table, and its ETag is the organization's
/// version. An organization too large for one entity (1 MiB; thousands of users) continues its document in page
/// rows of the same partition, written in the same batch transaction and read by point reads; the row says how
/// many pages it has and the hash of the whole document, so a reader never joins pages of two versions.
/// The partition also holds the organization's write lock while a write is under way (<see cref="OrganizationStore"/>).
/// </summary>
public static class OrganizationRows
{
    /// <summary>How much of the document one row carries: 15 properties of 30,000 characters, 900 KB as UTF-16, under the 1 MiB an entity may hold.</summary>
    public const int DocumentCharsPerRow = 450_000;

    const string OrganizationPrefix = "org|";
    const string PagePrefix = "page|";
    const string LockPrefix = "lock|";
    const string DataProperty = "Data";
    const string PagesProperty = "Pages";
    const string HashProperty = "DataHash";

    /// <summary>The partition of an organization.</summary>
    public static string PartitionKey(string organizationId) => TableKey.Encode(organizationId);

    /// <summary>
    /// RowKey of the organization's own row: "org|" + the partition key. Unique across the table although the
    /// partition alone identifies it, because Azurite (the local host's and CI's storage) finds an entity by its
    /// RowKey first and then scans every entity sharing it: with one constant RowKey, every read would cost time
    /// proportional to the number of organizations. Azure's (PartitionKey, RowKey) index does not care.
    /// </summary>
    public static string OrganizationRowKey(string organizationId) => OrganizationPrefix + PartitionKey(organizationId);

    /// <summary>RowKey of the organization's page <paramref name="page"/> (from 1); unique across the table for the same reason.</summary>
    public static string PageRowKey(string partitionKey, int page) => string.Create(CultureInfo.InvariantCulture, $"{PagePrefix}{partitionKey}|{page:D3}");

    /// <summary>RowKey of the organization's write lock (see <see cref="OrganizationStore"/>); unique for the same reason as the organization row's.</summary>
    public static string LockRowKey(string partitionKey) => LockPrefix + partitionKey;

    /// <summary>
    /// A query filter for the organizations' own rows across the table (the export's scan, in organization id order):
    /// their RowKeys are "org|…", so pages and write locks are left out.
    /// </summary>
    public static string OrganizationRowsFilter { get; } = TableClient.CreateQueryFilter($"RowKey ge {OrganizationPrefix} and RowKey lt {"org}"}");

    /// <summary>Whether a row key is a write lock.</summary>
    public static bool IsLockRow(string rowKey) => rowKey.StartsWith(LockPrefix, StringComparison.Ordinal);

    /// <summary>Whether a row key is the organization's own row.</summary>
    public static bool IsOrganizationRow(string rowKey) => rowKey.StartsWith(OrganizationPrefix, StringComparison.Ordinal);

    /// <summary>Whether a row key is a page of an organization's document.</summary>
    public static bool IsPageRow(string rowKey) => rowKey.StartsWith(PagePrefix, StringComparison.Ordinal);

    /// <summary>How many page rows continue the document of an organization row.</summary>
    public static int PageCount(TableEntity organizationRow)
    {
        ArgumentNullException.ThrowIfNull(organizationRow);
        return organizationRow.GetInt32(PagesProperty) ?? 0;
    }

    /// <summary>
    /// Every row of an organization: its own row, then its pages (none unless its document exceeds
    /// <see cref="DocumentCharsPerRow"/>). Users come in the order of their keys, so equal organizations make equal rows.
    /// </summary>
    public static IReadOnlyList<TableEntity> RowsFor(Organization organization)
    {
        ArgumentNullException.ThrowIfNull(organization);
        var pk = PartitionKey(organization.Id);
        var users = organization.Users
            .Select(u => new OrganizationUser(EmailAddress.Normalize(u.Email), u.Name, u.Roles.Distinct().Order().ToList()))
            .DistinctBy(u => u.Email, StringComparer.Ordinal)
            .OrderBy(u => TableKey.Encode(u.Email), StringComparer.Ordinal)
            .ToList();
        var subscriptions = organization.Subscriptions
            .DistinctBy(s => s.Id, StringComparer.Ordinal)
            .OrderBy(s => TableKey.Encode(s.Id), StringComparer.Ordinal)
            .ToList();
        var document = Json.Serialize(new Document(users, subscriptions));
        var pieces = document.Chunk(DocumentCharsPerRow).Select(c => new string(c)).DefaultIfEmpty(string.Empty).ToList();

        var head = new TableEntity(pk, OrganizationRowKey(organization.Id))
        {
            ["Id"] = organization.Id,
            ["Name"] = organization.Name,
            ["NormalizedName"] = CompanyName.Normalize(organization.Name),
            ["Type"] = organization.Type.ToString(),
            ["CreatedAt"] = organization.CreatedAt,
        };
        ChunkedJson.Write(head, DataProperty, pieces[0]);
        var rows = new List<TableEntity> { head };
        if (pieces.Count > 1)
        {
            var hash = Hash(document);
            head[PagesProperty] = pieces.Count - 1;
            head[HashProperty] = hash;
            for (var i = 1; i < pieces.Count; i++)
            {
                var page = new TableEntity(pk, PageRowKey(pk, i)) { [HashProperty] = hash };
                ChunkedJson.Write(page, DataProperty, pieces[i]);
                rows.Add(page);
            }
        }

        return rows;
    }

    /// <summary>
    /// Rebuilds an organization from its row and its pages (any other rows of the partition, such as a write lock,
    /// are ignored): null without the organization row. Throws <see cref="TornOrganizationException"/> when the pages
    /// are missing or belong to another version than the row (read while a write replaced them).
    /// </summary>
    public static Organization? Assemble(IEnumerable<TableEntity> partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var rows = partition.ToList();
        if (rows.FirstOrDefault(r => IsOrganizationRow(r.RowKey)) is not { } head)
        {
            return null;
        }

        if (ChunkedJson.Read(head, DataProperty) is not { } first)
        {
            throw new InvalidOperationException($"The row of organization '{head.GetString("Id")}' has no document: it was written by a layout this version does not read.");
        }

        var pages = PageCount(head);
        var json = first;
        if (pages > 0)
        {
            var byKey = rows.Where(r => IsPageRow(r.RowKey)).ToDictionary(r => r.RowKey, StringComparer.Ordinal);
            var builder = new StringBuilder(first);
            for (var i = 1; i <= pages; i++)
            {
                if (!byKey.TryGetValue(PageRowKey(head.PartitionKey, i), out var page) || ChunkedJson.Read(page, DataProperty) is not { } piece)
                {
                    throw new TornOrganizationException(head.PartitionKey);
                }

                builder.Append(piece);
            }

            json = builder.ToString();
            if (Hash(json) != head.GetString(HashProperty))
            {
                throw new TornOrganizationException(head.PartitionKey);
            }
        }

        var document = Json.Deserialize<Document>(json) ?? throw new TornOrganizationException(head.PartitionKey);
        return new Organization(
            head.GetString("Id"),
            head.GetString("Name"),
            Enum.Parse<OrganizationType>(head.GetString("Type")),
            head.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            document.Users ?? [],
            document.Subscriptions ?? []);
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

    static string Hash(string document) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(document)), 0, 16);

    // The users and subscriptions of an organization, as its row stores them.
    sealed record Document(IReadOnlyList<OrganizationUser>? Users, IReadOnlyList<OrganizationSubscription>? Subscriptions);
}

/// <summary>An organization's row and pages were read from two different versions (a write landed between the reads); read again.</summary>
public sealed class TornOrganizationException(string partitionKey)
    : Exception($"The rows of organization partition '{partitionKey}' were read from two versions.");
