using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// Link tokens travel in API paths (<c>/api/wizard/{token}</c>, SPEC §3); this keeps them out of traces: every
/// URL-like tag and the span name have the token replaced by <c>{token}</c> before export.
/// </summary>
public sealed partial class TokenRedactionProcessor : BaseProcessor<Activity>
{
    static readonly string[] UrlTags = ["url.full", "url.path", "url.query", "http.url", "http.target", "http.route"];

    /// <inheritdoc/>
    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.DisplayName = Redact(data.DisplayName);
        foreach (var tag in UrlTags)
        {
            if (data.GetTagItem(tag) is string value)
            {
                data.SetTag(tag, Redact(value));
            }
        }
    }

    /// <summary>The text with any wizard or approval token replaced.</summary>
    public static string Redact(string text) => TokenInPath().Replace(text, "$1{token}");

    [GeneratedRegex("(/api/(?:wizard|approvals)/)[^/?#\\s]+", RegexOptions.CultureInvariant)]
    private static partial Regex TokenInPath();
}
