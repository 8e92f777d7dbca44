using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>An organization to create for the subscription.</summary>
public sealed record NewOrganization(string OrganizationId, string Name, OrganizationType Type, string AdminEmail, DateTimeOffset CreatedAt);

/// <summary>Assigns the subscription to an organization (creating it first when asked).</summary>
public sealed record AssignRequest(string OrderId, string SubscriptionId, string OrganizationId, NewOrganization? Create, ProgressRequest? Progress = null);

/// <summary>Creates the organization with the subscription when asked (one directory write), else adds the subscription to it; idempotent. From 1.3 it first records the Assigning stage (<see cref="AssignRequest.Progress"/>).</summary>
public sealed class Assign(OrganizationStore organizations, OrderStore orders, ILogger<Assign> logger) : WorkflowActivity<AssignRequest>
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(AssignRequest input, CancellationToken cancellationToken)
    {
        await orders.RecordCarriedAsync(input.Progress, cancellationToken);
        var subscription = new OrganizationSubscription(input.SubscriptionId, SubscriptionStatus.Active);
        if (input.Create is { } create)
        {
            await organizations.CreateWithSubscriptionAsync(create.OrganizationId, create.Name, create.Type, create.CreatedAt, new OrganizationUser(create.AdminEmail), subscription, cancellationToken);
        }
        else
        {
            await organizations.AddSubscriptionAsync(input.OrganizationId, subscription, cancellationToken);
        }

        logger.LogInformation("Order {OrderId}: subscription {SubscriptionId} assigned to {OrganizationId}", input.OrderId, input.SubscriptionId, input.OrganizationId);
    }
}
