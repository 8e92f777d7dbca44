namespace ServerlessProvisioning.Organizations;

/// <summary>Raised when an operation names an organization that does not exist.</summary>
public sealed class OrganizationNotFoundException(string organizationId)
    : Exception($"Organization '{organizationId}' does not exist.")
{
    /// <summary>The missing organization.</summary>
    public string OrganizationId { get; } = organizationId;
}

/// <summary>Raised when a subscription is to be given to an organization while another one holds it.</summary>
public sealed class SubscriptionHeldElsewhereException(string subscriptionId, string organizationId)
    : Exception($"Subscription '{subscriptionId}' belongs to another organization than '{organizationId}'.")
{
    /// <summary>The subscription.</summary>
    public string SubscriptionId { get; } = subscriptionId;
}

/// <summary>Raised when another write to the same organization held it for longer than a writer waits.</summary>
public sealed class OrganizationBusyException(string organizationId)
    : Exception($"Organization '{organizationId}' is being changed by another request; try again.");
