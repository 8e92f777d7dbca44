using System.Text.Json.Serialization;

namespace ServerlessProvisioning.Primitives;

/// <summary>Why a person's command answers <c>429</c>: the <c>reason</c> of the problem, which the pages word their explanation by.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LimitReason>))]
public enum LimitReason
{
    /// <summary>The invitation has taken all the submissions it may.</summary>
    [JsonStringEnumMemberName("tooManySubmissions")]
    TooManySubmissions,

    /// <summary>The invitation has sent all the verification codes it may.</summary>
    [JsonStringEnumMemberName("tooManyCodes")]
    TooManyCodes,

    /// <summary>The invitation has made all the approval requests it may.</summary>
    [JsonStringEnumMemberName("tooManyApprovalRequests")]
    TooManyApprovalRequests,
}
