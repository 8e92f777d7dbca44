using Azure;

namespace ServerlessProvisioning.Organizations;

/// <summary>An organization as stored, with the ETag of its current version.</summary>
public sealed record StoredOrganization(Organization Organization, ETag ETag);

/// <summary>What a directory write did.</summary>
public enum OrganizationWrite
{
    /// <summary>The organization did not exist and now does.</summary>
    Created,

    /// <summary>An existing organization was replaced.</summary>
    Replaced,

    /// <summary>It already was exactly that: nothing was written.</summary>
    Unchanged,

    /// <summary>It was deleted.</summary>
    Deleted,

    /// <summary>It does not exist (delete, or a conditional write to a missing organization).</summary>
    NotFound,

    /// <summary>If-Match did not match its current version.</summary>
    PreconditionFailed,

    /// <summary>Refused for what it says (a subscription another organization holds); <see cref="OrganizationWriteResult.Errors"/> says why.</summary>
    Rejected,
}

/// <summary>The result of a directory write: the outcome, the organization as stored afterwards, the errors of a rejection.</summary>
public sealed record OrganizationWriteResult(OrganizationWrite Outcome, StoredOrganization? Stored = null, IReadOnlyDictionary<string, string[]>? Errors = null);
