using System.Text.Json.Serialization;

namespace ServerlessProvisioning.Primitives;

/// <summary>
/// Why a wizard or approval link no longer works: the <c>reason</c> of its <c>410</c> problem, what a revoked token
/// records, and what the pages word their explanation by (each has a label in <c>assets/i18n.js</c>).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<LinkGoneReason>))]
public enum LinkGoneReason
{
    /// <summary>The deadline of the step the link was for has passed.</summary>
    [JsonStringEnumMemberName("expired")]
    Expired,

    /// <summary>A newer link went out (an operator resent the invitation, or another approval round began).</summary>
    [JsonStringEnumMemberName("replaced")]
    Replaced,

    /// <summary>An operator cancelled the order.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,

    /// <summary>Approval links: the contact withdrew the request.</summary>
    [JsonStringEnumMemberName("withdrawn")]
    Withdrawn,

    /// <summary>Approval links: whoever holds it is no longer a full administrator of the organization, so cannot decide.</summary>
    [JsonStringEnumMemberName("noLongerAdmin")]
    NoLongerAdmin,

    /// <summary>
    /// Approval links: the request was closed because its organization changed in the directory (deleted, left
    /// without a full administrator, or of a type that no longer takes the order).
    /// </summary>
    [JsonStringEnumMemberName("closed")]
    Closed,

    /// <summary>Wizard links: an operator sent the invitation to another contact.</summary>
    [JsonStringEnumMemberName("redirected")]
    Redirected,

    /// <summary>Add-admin links: another administrator of the organization already decided the request (the first decision counts).</summary>
    [JsonStringEnumMemberName("decided")]
    Decided,

    /// <summary>Approval links: the order was reopened or started again since, so the request this link was for is over.</summary>
    [JsonStringEnumMemberName("restarted")]
    Restarted,
}
