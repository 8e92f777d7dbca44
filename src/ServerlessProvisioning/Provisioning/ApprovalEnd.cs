using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessProvisioning.Provisioning;

/// <summary>How an approval request ended: the approval's <c>decision</c> on every page, in every email and in the contract.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ApprovalEnd>))]
public enum ApprovalEnd
{
    /// <summary>An approver approved.</summary>
    [JsonStringEnumMemberName("approved")]
    Approved,

    /// <summary>An approver rejected.</summary>
    [JsonStringEnumMemberName("rejected")]
    Rejected,

    /// <summary>Nobody decided before the deadline.</summary>
    [JsonStringEnumMemberName("expired")]
    Expired,

    /// <summary>The contact withdrew the request.</summary>
    [JsonStringEnumMemberName("withdrawn")]
    Withdrawn,

    /// <summary>
    /// The organization changed in the directory while the request waited (deleted, left without a full
    /// administrator, or of a type that no longer takes the order); the contact chooses again.
    /// </summary>
    [JsonStringEnumMemberName("closed")]
    Closed,
}

/// <summary>
/// <see cref="ApprovalEnd"/> by its member name (<c>Approved</c>), as activity inputs have always recorded it: an input
/// queued by an older worker still loads, and a retried activity gets exactly the bytes it got before.
/// </summary>
public sealed class ApprovalEndMemberNameConverter : JsonConverter<ApprovalEnd>
{
    /// <inheritdoc/>
    public override ApprovalEnd Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Enum.TryParse<ApprovalEnd>(reader.GetString(), ignoreCase: true, out var end) && Enum.IsDefined(end)
            ? end
            : throw new JsonException($"Not an {nameof(ApprovalEnd)}.");

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ApprovalEnd value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
