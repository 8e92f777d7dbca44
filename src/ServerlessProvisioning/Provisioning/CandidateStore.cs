using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>The candidates one match offered: its round (<see cref="ProvisioningStatus.MatchRound"/>), the list, and how many more matched.</summary>
public sealed record OfferedCandidates(int Round, IReadOnlyList<Candidate> Candidates, int Omitted);

/// <summary>
/// The candidates an order's last match offered, with their figures and administrators. They can outgrow the durable
/// custom status (16 KB: 25 candidates with 5 administrators each), so they live in the order's own partition of the
/// Orders table (RowKey <c>candidates</c>, purged with the order) and the status names them only by id.
/// </summary>
public sealed class CandidateStore(TableServiceClient service, TableNames names)
{
    const string Row = "candidates";

    readonly TableClient table = service.GetTableClient(names.Orders);

    /// <summary>Keeps what a match offered, replacing an earlier match's (idempotent: a retried match writes the same).</summary>
    public async Task SaveAsync(string orderId, OfferedCandidates offered, CancellationToken cancellationToken) =>
        await table.UpsertEntityAsync(Entity(orderId, offered), TableUpdateMode.Replace, cancellationToken);

    /// <summary>The row <see cref="SaveAsync"/> upserts (in the order's partition, so a progress record can write it in its batch).</summary>
    public static TableEntity Entity(string orderId, OfferedCandidates offered)
    {
        ArgumentNullException.ThrowIfNull(offered);
        var entity = new TableEntity(TableKey.Encode(orderId), Row) { ["Round"] = offered.Round, ["Omitted"] = offered.Omitted };
        ChunkedJson.Write(entity, "Candidates", Json.Serialize(offered.Candidates));
        return entity;
    }

    /// <summary>What the order's last match offered; null when it has not matched (or matched before candidates were kept here).</summary>
    public async Task<OfferedCandidates?> GetAsync(string orderId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(TableKey.Encode(orderId), Row, cancellationToken: cancellationToken);
        if (!response.HasValue || response.Value is not { } entity || ChunkedJson.Read(entity, "Candidates") is not { } json)
        {
            return null;
        }

        return new OfferedCandidates(entity.GetInt32("Round") ?? 0, Json.Deserialize<List<Candidate>>(json) ?? [], entity.GetInt32("Omitted") ?? 0);
    }

    /// <summary>
    /// The status as the pages see it: the candidates it names by id, with their figures, in its order (an old
    /// status that still carries whole candidates is left as it is).
    /// </summary>
    public async Task<ProvisioningStatus> WithCandidatesAsync(ProvisioningStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.CandidateIds is not { } ids)
        {
            return status;
        }

        var offered = ids.Count == 0 ? null : await GetAsync(status.OrderId, cancellationToken);
        var byId = offered is null || offered.Round != status.MatchRound ? [] : offered.Candidates.ToDictionary(c => c.OrganizationId, StringComparer.Ordinal);
        return status with { Candidates = [.. ids.Where(byId.ContainsKey).Select(id => byId[id])] };
    }
}
