using System.Collections.Concurrent;
using System.Text.Json;

namespace ServerlessProvisioning.Organizations;

/// <summary>One line of an import that was not imported, with every reason keyed by field.</summary>
public sealed record ImportFailure(int Line, string? OrganizationId, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>
/// What an import did. <see cref="Failed"/> lists at most <see cref="OrganizationImporter.MaxFailuresListed"/>
/// failures, the first lines first; <see cref="FailedCount"/> counts them all; <see cref="ReplacedIds"/> names the
/// organizations it changed (orders awaiting their approval follow them).
/// </summary>
public sealed record ImportResult(int Created, int Updated, int Unchanged, IReadOnlyList<ImportFailure> Failed, int FailedCount, IReadOnlyList<string> ReplacedIds);

/// <summary>One organization to import, or the reasons its line could not be read.</summary>
public sealed record ImportItem(int Line, Organization? Organization, string? OrganizationId, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>
/// Imports organizations: each one is written exactly as given (<see cref="OrganizationStore.PutAsync"/>), a few
/// at a time. Good items are imported even when others fail; an item already stored exactly so is reported
/// unchanged and writes nothing. The HTTP import (NDJSON) and the local host's <c>--seed</c> both come here.
/// </summary>
public sealed class OrganizationImporter(OrganizationStore store)
{
    /// <summary>How many failures a result lists in detail.</summary>
    public const int MaxFailuresListed = 1000;

    /// <summary>How many organizations are written at once.</summary>
    public const int Concurrency = 16;

    /// <summary>Imports every item; an organization id given twice fails the later line.</summary>
    public async Task<ImportResult> ImportAsync(IEnumerable<ImportItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var failures = new ConcurrentBag<ImportFailure>();
        var replaced = new ConcurrentBag<string>();
        int created = 0, updated = 0, unchanged = 0;
        await Parallel.ForEachAsync(FirstOfEachId(items), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            if (item.Organization is not { } organization)
            {
                failures.Add(new ImportFailure(item.Line, item.OrganizationId, item.Errors ?? new Dictionary<string, string[]>()));
                return;
            }

            OrganizationWriteResult result;
            try
            {
                result = await store.PutAsync(organization, ifMatch: null, ct);
            }
            catch (OrganizationBusyException e)
            {
                failures.Add(new ImportFailure(item.Line, organization.Id, new Dictionary<string, string[]> { ["id"] = [e.Message] }));
                return;
            }

            switch (result.Outcome)
            {
                case OrganizationWrite.Created:
                    Interlocked.Increment(ref created);
                    break;
                case OrganizationWrite.Replaced:
                    Interlocked.Increment(ref updated);
                    replaced.Add(organization.Id);
                    break;
                case OrganizationWrite.Unchanged:
                    Interlocked.Increment(ref unchanged);
                    break;
                default:
                    failures.Add(new ImportFailure(item.Line, organization.Id, result.Errors ?? new Dictionary<string, string[]> { ["id"] = [$"Not imported: {result.Outcome}."] }));
                    break;
            }
        });

        var ordered = failures.OrderBy(f => f.Line).ToList();
        return new ImportResult(created, updated, unchanged, ordered.Take(MaxFailuresListed).ToList(), ordered.Count, [.. replaced]);
    }

    // In reading order, so that within one import the first line of an id, or of a subscription, is the one that counts
    // and later ones fail, however the writes interleave.
    static IEnumerable<ImportItem> FirstOfEachId(IEnumerable<ImportItem> items)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var subscriptions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item.Organization is not { } organization)
            {
                yield return item;
                continue;
            }

            var errors = new Dictionary<string, string[]>();
            if (!ids.TryAdd(organization.Id, item.Line))
            {
                errors["id"] = [$"'{organization.Id}' appears more than once in this import (first on line {ids[organization.Id]})."];
            }

            for (var i = 0; i < organization.Subscriptions.Count; i++)
            {
                var subscriptionId = organization.Subscriptions[i].Id;
                if (subscriptions.TryGetValue(subscriptionId, out var line) && line != item.Line)
                {
                    errors[$"subscriptions[{i}].id"] = [$"'{subscriptionId}' is listed by another organization of this import (line {line})."];
                }
            }

            if (errors.Count > 0)
            {
                yield return item with { Organization = null, Errors = errors };
                continue;
            }

            foreach (var subscription in organization.Subscriptions)
            {
                subscriptions.TryAdd(subscription.Id, item.Line);
            }

            yield return item;
        }
    }

    /// <summary>Imports organizations read whole (a seed file), numbered from 1 in their order.</summary>
    public Task<ImportResult> ImportAsync(IReadOnlyList<Organization> organizations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organizations);
        return ImportAsync(organizations.Select((o, i) => new ImportItem(i + 1, o, o.Id, null)), cancellationToken);
    }

    /// <summary>
    /// Reads NDJSON: one organization per line (blank lines are skipped), lines numbered from 1. Bytes that are not
    /// UTF-8 make their line fail rather than being replaced, and so does a line over <see cref="OrganizationDocument.MaxBytes"/>.
    /// A UTF-8 byte order mark at the very start is skipped.
    /// </summary>
    public static IEnumerable<ImportItem> ReadNdjson(ReadOnlyMemory<byte> body)
    {
        var line = 0;
        // Windows tools (PowerShell 5's Out-File -Encoding utf8, older Notepad) start UTF-8 files with one; it belongs to
        // the file, not to its first organization.
        var rest = body.Span.StartsWith("\uFEFF"u8) ? body[3..] : body;
        while (!rest.IsEmpty)
        {
            line++;
            var end = rest.Span.IndexOf((byte)'\n');
            var current = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (current.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            var errors = new Dictionary<string, string[]>();
            if (current.Length > OrganizationDocument.MaxBytes)
            {
                errors["line"] = [$"Longer than {OrganizationDocument.MaxBytes / 1024} KiB, the most one organization may take (as for a PUT)."];
                yield return new ImportItem(line, null, null, errors);
                continue;
            }

            var organization = OrganizationDocument.Parse(current, errors);
            yield return new ImportItem(line, organization, organization?.Id ?? IdOf(current), errors.Count > 0 ? errors : null);
        }
    }

    // The id of a line that failed, when it can be read at all, so the report names the organization.
    static string? IdOf(ReadOnlyMemory<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: <= 100 } text
                ? text
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
