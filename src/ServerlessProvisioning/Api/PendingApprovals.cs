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
                    // An order that named this organization before may be waiting on another one now: its entry says so.
                    waiting.AddRange((await orders.AwaitingApprovalAsync(organizationId, cancellationToken))
                        .Where(o => o.ChosenOrganizationId is null || o.ChosenOrganizationId == organizationId)
                        .Select(o => (o.OrderId, organizationId)));
                }
            }
            else
            {
                var changed = organizationIds.ToHashSet(StringComparer.Ordinal);
                foreach (var (orderId, entryOrganization) in await orders.AwaitingApprovalAsync(null, cancellationToken))
                {
                    // The entry names the organization; one written before entries carried it costs a row read.
                    var chosen = entryOrganization ?? (await orders.GetAsync(orderId, cancellationToken))?.ChosenOrganizationId;
                    if (chosen is not null && changed.Contains(chosen))
                    {
                        waiting.Add((orderId, chosen));
                    }
                }
            }

            // The workflow an order waits in is named by its id alone (InstanceIds), so telling it reads nothing more.
            var now = time.GetUtcNow();
            foreach (var (orderId, organizationId) in waiting)
            {
                await client.RaiseEventAsync(InstanceIds.ForOrder(orderId), ProvisioningEvents.OrganizationChanged, new OrganizationChanged(organizationId, now), cancellationToken);
            }

            var told = waiting.Count;
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
