using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>
/// Tells the orders whose approval waits on an organization that the directory changed it (a PUT, a DELETE, an
/// import's replaced line), so their approval follows it within seconds: added full administrators are asked, a
/// deleted or no longer fitting organization closes the request (docs/rules.md). The orders are found through the
/// orders index (<c>org|&lt;id&gt;</c> at stage <c>AwaitingAdminApproval</c>), never a scan. Best effort after the
/// write: a lost notice costs only the added administrators' emails, since a decision is checked against the
/// directory when it is made.
/// </summary>
public sealed class PendingApprovals(OrderStore orders, TimeProvider time, ILogger<PendingApprovals> logger)
{
    /// <summary>Past this many changed organizations, the orders awaiting approval are read once instead of one query per organization.</summary>
    public const int PerOrganizationQueries = 50;

    /// <summary>Tells every order awaiting approval on one of <paramref name="organizationIds"/>; returns how many were told.</summary>
    public async Task<int> TellAsync(IReadOnlyCollection<string> organizationIds, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organizationIds);
        ArgumentNullException.ThrowIfNull(client);
        if (organizationIds.Count == 0)
        {
            return 0;
        }

        try
        {
            var waiting = new List<(string OrderId, string OrganizationId)>();
            if (organizationIds.Count <= PerOrganizationQueries)
            {
                foreach (var organizationId in organizationIds)
                {
                    waiting.AddRange((await orders.AwaitingApprovalAsync(organizationId, cancellationToken)).Select(o => (o, organizationId)));
                }
            }
            else
            {
                var changed = organizationIds.ToHashSet(StringComparer.Ordinal);
                foreach (var orderId in await orders.AwaitingApprovalAsync(null, cancellationToken))
                {
                    if (await orders.GetAsync(orderId, cancellationToken) is { ChosenOrganizationId: { } chosen } && changed.Contains(chosen))
                    {
                        waiting.Add((orderId, chosen));
                    }
                }
            }

            var told = 0;
            foreach (var (orderId, organizationId) in waiting)
            {
                if (await orders.GetAsync(orderId, cancellationToken) is not { } order)
                {
                    continue;
                }

                await client.RaiseEventAsync(order.InstanceId, ProvisioningEvents.OrganizationChanged, new OrganizationChanged(organizationId, time.GetUtcNow()), cancellationToken);
                told++;
            }

            if (told > 0)
            {
                logger.LogInformation("Directory change: {Count} order(s) awaiting approval told", told);
            }

            return told;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Directory change: the orders awaiting approval could not all be told; their decisions are still checked against the directory");
            return 0;
        }
    }
}
