using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// The whole directory in the import's format (docs/directory.md#exporting-and-restoring): one organization per NDJSON
/// line, in organization id order (ordinal: the table's own order, since an id is its partition key unescaped), read
/// page by page from the Organizations table so nothing holds more than one page. The only scan of the Organizations
/// table, and deliberately so: an export is a read of everything. Importing its lines into the same directory answers
/// <c>unchanged</c> for every one.
/// </summary>
/// <remarks>
/// Not a snapshot: each line is one organization at one version, as it was when its page was read; an organization
/// written during the export appears as it was before or after that write, one created behind the scan is missing,
/// and one deleted ahead of it is missing too.
/// </remarks>
public sealed class OrganizationExporter(TableServiceClient service, TableNames names, OrganizationStore store)
{
    /// <summary>How many organization rows one query page asks for.</summary>
    public const int PageSize = 200;

    /// <summary>Each organization as its NDJSON line (UTF-8, ending in a line feed), in id order.</summary>
    public async IAsyncEnumerable<byte[]> LinesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = service.GetTableClient(names.Organizations);
        await foreach (var page in table.QueryAsync<TableEntity>(OrganizationRows.OrganizationRowsFilter, PageSize, cancellationToken: cancellationToken).AsPages())
        {
            foreach (var row in page.Values)
            {
                // An organization too large for its row continues in pages: read it whole (and at one version) by id.
                var organization = OrganizationRows.PageCount(row) == 0
                    ? OrganizationRows.Assemble([row])
                    : await store.GetAsync(row.GetString("Id"), cancellationToken);
                if (organization is not null)
                {
                    yield return Line(organization);
                }
            }
        }
    }

    /// <summary>Writes every line to <paramref name="destination"/>, flushing as it goes; returns how many organizations it wrote.</summary>
    public async Task<int> WriteAsync(Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var count = 0;
        await foreach (var line in LinesAsync(cancellationToken))
        {
            await destination.WriteAsync(line, cancellationToken);
            if (++count % PageSize == 0)
            {
                await destination.FlushAsync(cancellationToken);
            }
        }

        await destination.FlushAsync(cancellationToken);
        return count;
    }

    /// <summary>One organization as a line of an import: the product's JSON (camelCase, enums as names, nulls left out) and a line feed.</summary>
    public static byte[] Line(Organization organization)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(organization, Json.Options);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }
}
