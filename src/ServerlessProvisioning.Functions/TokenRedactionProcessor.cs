using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// Link tokens travel in API paths (<c>/api/wizard/{token}</c>, SPEC §3), and Event Grid sends its function key in the
/// query (<c>?code=</c>); this keeps both out of traces: every URL-like tag and the span name have the token replaced
/// by <c>{token}</c> and the key by <c>{key}</c> before export.
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

    /// <summary>The text with any wizard or approval token, and any key in a <c>code</c> query parameter, replaced.</summary>
    public static string Redact(string text) => KeyInQuery().Replace(TokenInPath().Replace(text, "$1{token}"), "$1{key}");

    [GeneratedRegex("(/api/(?:wizard|approvals)/)[^/?#\\s]+", RegexOptions.CultureInvariant)]
    private static partial Regex TokenInPath();

    [GeneratedRegex("((?:^|[?&])code=)[^&#\\s]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex KeyInQuery();
}
