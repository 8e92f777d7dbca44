using Azure;
using Azure.Data.Tables;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// A step gate: one row per order (RowKey <c>gate</c> for the people a step waits for, <c>opgate</c> for operators)
/// holding the last step a command claimed and when, written under its ETag so exactly one command of that kind
/// answers each waiting step. Operators have a gate of their own so that a link holder submitting in a loop never
/// takes the step an operator's resend or cancel needs.
/// </summary>
internal sealed class OrderGate(TableClient table, string rowKey = "gate")
{
    /// <summary>
    /// Takes <paramref name="step"/> whoever holds it, so no command of this gate's kind can answer it (or an earlier
    /// step) until the claim lapses: an operator's command, once accepted, is what the step gets.
    /// </summary>
    public async Task HoldAsync(string orderId, int step, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pk = OrderRow.PartitionKey(orderId);
        for (var attempt = 0; ; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(pk, rowKey, cancellationToken: cancellationToken);
            var claimed = current.HasValue ? current.Value!.GetInt32("ClaimedStep") ?? 0 : 0;
            var gate = new TableEntity(pk, rowKey) { ["ClaimedStep"] = Math.Max(claimed, step), ["ClaimedAt"] = now };
            try
            {
                if (current.HasValue)
                {
                    await table.UpdateEntityAsync(gate, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(gate, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 20)
            {
                // Someone claimed at the same moment: read again and take it over.
            }
        }
    }

    /// <summary>True when this caller is the one to answer <paramref name="step"/> (see <see cref="OrderStore.ClaimStepAsync"/>).</summary>
    public async Task<bool> ClaimAsync(string orderId, int step, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pk = OrderRow.PartitionKey(orderId);
        var current = await table.GetEntityIfExistsAsync<TableEntity>(pk, rowKey, cancellationToken: cancellationToken);
        var claimed = current.HasValue ? current.Value!.GetInt32("ClaimedStep") ?? 0 : 0;
        var claimedAt = current.HasValue ? current.Value!.GetDateTimeOffset("ClaimedAt") : null;
        if (claimed > step || (claimed == step && claimedAt is { } at && now - at < OrderStore.ClaimLease))
        {
            return false;
        }

        var gate = new TableEntity(pk, rowKey) { ["ClaimedStep"] = step, ["ClaimedAt"] = now };
        try
        {
            if (current.HasValue)
            {
                await table.UpdateEntityAsync(gate, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await table.AddEntityAsync(gate, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }
}
