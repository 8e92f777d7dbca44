using System.Text.Json.Serialization;
using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Organizations;

/// <summary>A role a user holds in an organization.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UserRole>))]
public enum UserRole
{
    /// <summary>Administers everything, including who else administers: the only role Rule A and approvals count.</summary>
    FullAdmin,

    /// <summary>Sees the administration but cannot change it.</summary>
    ReadOnlyAdmin,
}

/// <summary>The state of a subscription; only <see cref="Active"/> ones count as activity.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SubscriptionStatus>))]
public enum SubscriptionStatus
{
    /// <summary>In force.</summary>
    Active,

    /// <summary>Ran out.</summary>
    Expired,

    /// <summary>Ended on purpose.</summary>
    Cancelled,
}

/// <summary>A user of an organization.</summary>
public sealed record OrganizationUser(string Email, string? Name = null, IReadOnlyList<UserRole>? Roles = null)
{
    /// <summary>The roles, never null.</summary>
    public IReadOnlyList<UserRole> Roles { get; init; } = Roles ?? [];

    /// <summary>Whether the user is a full administrator.</summary>
    [JsonIgnore]
    public bool IsFullAdmin => Roles.Contains(UserRole.FullAdmin);
}

/// <summary>A subscription of an organization.</summary>
public sealed record OrganizationSubscription(string Id, SubscriptionStatus Status);

/// <summary>An organization with everything matching looks at.</summary>
public sealed record Organization(
    string Id,
    string Name,
    OrganizationType Type,
    DateTimeOffset CreatedAt,
    IReadOnlyList<OrganizationUser> Users,
    IReadOnlyList<OrganizationSubscription> Subscriptions)
{
    /// <summary>The figures the wizard shows.</summary>
    public OrganizationSummary Summarize() => new(
        Id,
        Name,
        Type,
        CreatedAt,
        Subscriptions.Count(s => s.Status == SubscriptionStatus.Active),
        Users.Count,
        Users.Where(u => u.IsFullAdmin).Select(u => new AdminContact(EmailAddress.Normalize(u.Email), u.Name)).OrderBy(a => a.Email, StringComparer.Ordinal).ToList());
}
