using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// A step gate: one row per claimed step in the order's partition (RowKey <c>gate|&lt;step&gt;</c> for the people a
/// step waits for, <c>opgate|&lt;step&gt;</c> for operators) holding when it was claimed, so exactly one command of that
/// kind answers each waiting step: the first insert wins, in one request. Operators have a gate of their own so that a
/// link holder submitting in a loop never takes the step an operator's resend or cancel needs. A command for a step the
/// workflow has left may still claim that step's row; the workflow ignores its event.
/// </summary>
internal sealed class OrderGate(TableClient table, string rowKey = "gate")
{
    /// <summary>
    /// Takes <paramref name="step"/> whoever holds it, so no command of this gate's kind can answer it until the claim
    /// lapses: an operator's command, once accepted, is what the step gets.
    /// </summary>
    public Task HoldAsync(string orderId, int step, DateTimeOffset now, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(Row(orderId, step, now), TableUpdateMode.Replace, cancellationToken);

    /// <summary>True when this caller is the one to answer <paramref name="step"/> (see <see cref="OrderStore.ClaimStepAsync"/>).</summary>
    public async Task<bool> ClaimAsync(string orderId, int step, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var gate = Row(orderId, step, now);
        try
        {
            await table.AddEntityAsync(gate, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Claimed before: taken over only once that claim has lapsed (its claimant never raised the command).
        }

        var current = await table.GetEntityIfExistsAsync<TableEntity>(gate.PartitionKey, gate.RowKey, cancellationToken: cancellationToken);
        if (!current.HasValue || (current.Value!.GetDateTimeOffset("ClaimedAt") is { } at && now - at < OrderStore.ClaimLease))
        {
            return false;
        }

        try
        {
            await table.UpdateEntityAsync(gate, current.Value.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>The RowKey of a step's claim (steps in ten digits, so they sort).</summary>
    public static string RowKey(string gate, int step) => gate + "|" + step.ToString("D10", CultureInfo.InvariantCulture);

    TableEntity Row(string orderId, int step, DateTimeOffset now) =>
        new(OrderRow.PartitionKey(orderId), RowKey(rowKey, step)) { ["ClaimedStep"] = step, ["ClaimedAt"] = now };
}
