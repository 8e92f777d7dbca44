using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>Makes an address a full admin of an organization (after the existing admin approved).</summary>
public sealed record AddAdministratorRequest(string OrganizationId, string Email);

/// <summary>Adds the approved administrator.</summary>
public sealed class AddAdministrator(OrganizationStore organizations) : WorkflowActivity<AddAdministratorRequest>
{
    /// <inheritdoc/>
    protected override Task ExecuteAsync(AddAdministratorRequest input, CancellationToken cancellationToken) =>
        organizations.AddFullAdminAsync(input.OrganizationId, input.Email, null, cancellationToken);
}
