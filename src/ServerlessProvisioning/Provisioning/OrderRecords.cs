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
    string? ChosenOrganizationId = null);

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
/// the organization chosen without an assignment (rejected, expired, cancelled while awaiting approval).
/// </summary>
public sealed record ProgressRequest(
    string OrderId,
    int Sequence,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    IReadOnlyList<AuditEntry> Audit,
    DateTimeOffset At,
    string? ChosenOrganizationId = null);

/// <summary>One line of the operator's order list (SPEC §3).</summary>
public sealed record OrderSummary(string OrderId, ProvisioningStage Stage, ProvisioningOutcome? Outcome, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

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
