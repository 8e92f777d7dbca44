using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// Makes an address a full admin of an organization (after the existing admin approved). From 1.3 it carries the
/// record of the Assigning stage the approval leads to (<paramref name="Progress"/>), and from 1.4 the assignment that
/// follows (<paramref name="Assign"/>).
/// </summary>
public sealed record AddAdministratorRequest(string OrganizationId, string Email, ProgressRequest? Progress = null, AssignRequest? Assign = null);

/// <summary>Adds the approved administrator; from 1.3 it first records the Assigning stage, and from 1.4 it then assigns the subscription.</summary>
public sealed class AddAdministrator(OrganizationStore organizations, OrderStore orders, Assign assign) : WorkflowActivity<AddAdministratorRequest>
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(AddAdministratorRequest input, CancellationToken cancellationToken)
    {
        await orders.RecordCarriedAsync(input.Progress, cancellationToken);
        await organizations.AddFullAdminAsync(input.OrganizationId, input.Email, null, cancellationToken);
        if (input.Assign is { } assignment)
        {
            await assign.RunAsync(assignment with { Progress = null }, cancellationToken);
        }
    }
}
