using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>A fresh look at the chosen organization, right before the new-admin policy applies.</summary>
public sealed record InspectRequest(string OrganizationId, string AdminEmail);

/// <summary>
/// What the policy needs to know about the chosen organization: whether the given address is a full admin there,
/// and the full admins an approval would ask (at most <see cref="OrderLimits.ApproversPerRequest"/>, of
/// <see cref="FullAdminCount"/>).
/// </summary>
public sealed record OrganizationCheck(bool Exists, string Name, OrganizationType Type, bool AdminIsFullAdmin, IReadOnlyList<AdminContact> FullAdmins, int FullAdminCount = 0)
{
    /// <summary>Why the organization can no longer take an order whose scenario assigns to <paramref name="type"/>, or null when it can.</summary>
    public string? Unfit(OrganizationType type) =>
        !Exists ? "no longer exists"
        : Type != type ? $"is now a {Type} organization"
        : FullAdmins.Count == 0 ? "has no full administrator left"
        : null;
}

/// <summary>Reads the chosen organization afresh.</summary>
public sealed class Inspect(OrganizationStore organizations) : WorkflowActivity<InspectRequest, OrganizationCheck>
{
    /// <inheritdoc/>
    public override async Task<OrganizationCheck> RunAsync(InspectRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var summary = await organizations.GetSummaryAsync(input.OrganizationId, cancellationToken);
        if (summary is null)
        {
            return new OrganizationCheck(false, string.Empty, OrganizationType.Customer, false, []);
        }

        var email = EmailAddress.Normalize(input.AdminEmail);
        return new OrganizationCheck(true, summary.Name, summary.Type, summary.FullAdmins.Any(a => a.Email == email), [.. summary.FullAdmins.Take(OrderLimits.ApproversPerRequest)], summary.FullAdmins.Count);
    }
}
