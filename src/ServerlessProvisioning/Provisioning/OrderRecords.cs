namespace ServerlessProvisioning.Provisioning;

/// <summary>An order as the Orders table keeps it: its identity, its fingerprint and where its workflow stands.</summary>
public sealed record OrderRecord(
    string OrderId,
    string InstanceId,
    string Fingerprint,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    bool WorkflowStarted = false,
    DateTimeOffset? StartClaimedAt = null,
    string? ChosenOrganizationId = null,
    string? SubscriptionId = null,
    string? ContactEmail = null,
    string? CompanyName = null,
    DateTimeOffset? ExpiresAt = null);

/// <summary>What a repeated delivery found when it tried to claim starting the order's workflow.</summary>
public enum StartClaim
{
    /// <summary>The workflow is known to be started (or the order is gone).</summary>
    Started,

    /// <summary>Another delivery is starting it and its lease has not lapsed.</summary>
    Held,

    /// <summary>This caller must start it now.</summary>
    Claimed,
}

/// <summary>
/// Records a stage change and audit entries; <see cref="Sequence"/> (the last audit sequence) orders progress records.
/// <see cref="OrganizationId"/> is set only once a subscription was assigned; <see cref="ChosenOrganizationId"/> names
/// the organization chosen without an assignment (rejected, expired, cancelled while awaiting approval). The facts
/// the orders index searches by (<see cref="SubscriptionId"/>, the current <see cref="ContactEmail"/>, the typed
/// <see cref="CompanyName"/>, the current deadline <see cref="ExpiresAt"/>, none once finished) are optional: a
/// progress record without them keeps what the order row holds.
/// </summary>
public sealed record ProgressRequest(
    string OrderId,
    int Sequence,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    IReadOnlyList<AuditEntry> Audit,
    DateTimeOffset At,
    string? ChosenOrganizationId = null,
    string? SubscriptionId = null,
    string? ContactEmail = null,
    string? CompanyName = null,
    DateTimeOffset? ExpiresAt = null);

/// <summary>
/// One line of the operator's order list and searches (SPEC §3): the stage and times, and what people know an order
/// by — its subscription, its current contact, the company name the contact typed, the organization it was assigned
/// to (<c>organizationId</c>) or chose without an assignment (<c>chosenOrganizationId</c>), and, while open, the
/// deadline of what it waits for (<c>expiresAt</c>).
/// </summary>
public sealed record OrderSummary(
    string OrderId,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? SubscriptionId = null,
    string? ProvisioningContactEmail = null,
    string? CompanyName = null,
    string? OrganizationId = null,
    DateTimeOffset? ExpiresAt = null,
    string? ChosenOrganizationId = null);

/// <summary>What registering an order found.</summary>
public enum OrderRegistration
{
    /// <summary>New: start its workflow.</summary>
    Created,

    /// <summary>The same order again: answer as before.</summary>
    Replay,

    /// <summary>The same order id with a different body.</summary>
    Conflict,
}
