using Azure;
using Azure.Data.Tables;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// Writes one version of an organization over the rows it was read from (<see cref="OrganizationRows"/>): only the rows
/// that differ, in batch transactions of its partition, the organization's row first and guarded by the version read,
/// since it is the version.
/// </summary>
internal sealed class OrganizationRowWriter(TableClient table)
{
    const int MaxBatch = 100;

    /// <summary>
    /// Writes <paramref name="newRows"/> over <paramref name="oldRows"/>; <paramref name="release"/>, when given, is
    /// deleted in the same batch if it fits. Returns the organization row's new ETag (null when deleted, or when the
    /// service did not say).
    /// </summary>
    public async Task<ETag?> WriteAsync(IReadOnlyList<TableEntity> oldRows, IReadOnlyList<TableEntity> newRows, ETag? version, OrganizationWriteLock? release, CancellationToken cancellationToken)
    {
        var actions = Actions(oldRows, newRows, version);
        var head = actions.FirstOrDefault(a => OrganizationRows.IsOrganizationRow(a.Entity.RowKey));
        if (release is not null && actions.Count < MaxBatch)
        {
            actions.Add(release.ReleaseAction());
        }
        else
        {
            release = null;
        }

        ETag? written = null;
        foreach (var chunk in actions.Chunk(MaxBatch))
        {
            var response = await table.SubmitTransactionAsync(chunk, cancellationToken);
            if (head is { ActionType: not TableTransactionActionType.Delete } && chunk[0] == head)
            {
                written = response.Value[0].Headers.ETag;
            }
        }

        release?.Released();
        return written;
    }

    // Every row that differs, the organization's row (if it changes at all) first: added, replaced or deleted.
    static List<TableTransactionAction> Actions(IReadOnlyList<TableEntity> oldRows, IReadOnlyList<TableEntity> newRows, ETag? version)
    {
        var oldByKey = oldRows.ToDictionary(r => r.RowKey, StringComparer.Ordinal);
        var newKeys = newRows.Select(r => r.RowKey).ToHashSet(StringComparer.Ordinal);
        var writes = newRows.Select(row => Write(row, oldByKey.GetValueOrDefault(row.RowKey), version)).OfType<TableTransactionAction>();
        var deletes = oldRows.Where(r => !newKeys.Contains(r.RowKey))
            .Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, OrganizationRows.IsOrganizationRow(row.RowKey) ? version ?? ETag.All : ETag.All));
        return [.. writes.Concat(deletes).OrderBy(a => OrganizationRows.IsOrganizationRow(a.Entity.RowKey) ? 0 : 1)];
    }

    // A row the new version has: the organization's row is always replaced under the version read (it is the version);
    // a page is added, replaced, or left alone when its data has not changed.
    static TableTransactionAction? Write(TableEntity row, TableEntity? existing, ETag? version)
    {
        var isHead = OrganizationRows.IsOrganizationRow(row.RowKey);
        if (existing is not null && !isHead && OrganizationRows.SameData(existing, row))
        {
            return null;
        }

        return existing is null ? new TableTransactionAction(TableTransactionActionType.Add, row)
            : isHead ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, version ?? ETag.All)
            : new TableTransactionAction(TableTransactionActionType.UpsertReplace, row);
    }
}
