using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>A link (or image) found in a Markdown document: its 1-based line and its destination as written.</summary>
public sealed record MarkdownLink(int Line, string Target);

/// <summary>A link that does not resolve, with why.</summary>
public sealed record BrokenLink(string Document, int Line, string Target, string Reason)
{
    /// <summary>One line for a failure message: where, what, why.</summary>
    public override string ToString() => $"{Document}:{Line}: ({Target}) {Reason}";
}

/// <summary>
/// Finds the links of a Markdown document and checks the relative ones the way GitHub renders them: the file must
/// exist inside the repository, and a <c>#fragment</c> into a Markdown file must be the id GitHub gives one of its
/// headings. A reader who clones the repository then never follows a link to nothing. Small and regex-based on
/// purpose: it knows the CommonMark that matters for links (fenced code, code spans, inline links, images,
/// reference definitions, HTML <c>href</c>/<c>src</c>), not the rest.
/// </summary>
public static partial class MarkdownLinks
{
    /// <summary>Every link and image destination outside code, in document order.</summary>
    public static IReadOnlyList<MarkdownLink> Find(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var links = new List<MarkdownLink>();
        foreach (var (number, line) in OutsideCode(markdown))
        {
            var text = BlankCodeSpans(line);
            if (ReferenceDefinition().Match(text) is { Success: true } definition)
            {
                links.Add(new MarkdownLink(number, Unbracket(definition.Groups["target"].Value)));
                continue;
            }

            // Every "](" opens a destination: "[text](x)", "![alt](x)", and both of "[![alt](img)](x)".
            for (var at = text.IndexOf("](", StringComparison.Ordinal); at >= 0; at = text.IndexOf("](", at + 2, StringComparison.Ordinal))
            {
                if (Destination(text, at + 2) is { } target)
                {
                    links.Add(new MarkdownLink(number, target));
                }
            }

            foreach (Match attribute in HtmlLinkAttribute().Matches(text))
            {
                links.Add(new MarkdownLink(number, attribute.Groups["target"].Value));
            }
        }

        return links;
    }

    /// <summary>The ids GitHub gives the document's headings (numbered when repeated), and any explicit HTML anchors.</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var (_, line) in OutsideCode(markdown))
        {
            string? heading = null;
            if (AtxHeading().Match(line) is { Success: true } atx)
            {
                heading = atx.Groups["text"].Value;
                previous = null;
            }
            else if (previous is not null && SetextUnderline().IsMatch(line))
            {
                heading = previous;
                previous = null;
            }
            else
            {
                previous = string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('|') ? null : line.Trim();
            }

            if (heading is not null)
            {
                var slug = Slug(heading);
                var id = seen.TryGetValue(slug, out var count) ? $"{slug}-{count}" : slug;
                seen[slug] = count + 1;
                anchors.Add(id);
            }

            foreach (Match explicitAnchor in HtmlAnchor().Matches(BlankCodeSpans(line)))
            {
                anchors.Add(explicitAnchor.Groups["id"].Value);
            }
        }

        return anchors;
    }

    /// <summary>
    /// GitHub's id for a heading written as <paramref name="heading"/> (Markdown): the rendered text, lower-cased,
    /// with everything but letters, marks, digits, <c>-</c>, <c>_</c> and spaces removed, each space a <c>-</c>.
    /// </summary>
    public static string Slug(string heading)
    {
        ArgumentNullException.ThrowIfNull(heading);
        var text = RenderedText(heading.Trim()).ToLowerInvariant();
        var slug = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == ' ')
            {
                slug.Append('-');
            }
            else if (rune.Value is '-' or '_' || Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber)
            {
                slug.Append(rune.ToString());
            }
        }

        return slug.ToString();
    }

    /// <summary>
    /// The links of <paramref name="document"/> (a path relative to <paramref name="root"/>) that do not resolve:
    /// a relative path must name a file or folder inside <paramref name="root"/>, and a fragment into a Markdown
    /// file one of its <see cref="Anchors"/>. http(s) and mailto links are not checked.
    /// </summary>
    public static IReadOnlyList<BrokenLink> Check(string root, string document)
    {
        var rootPath = Path.GetFullPath(root);
        var documentPath = Path.GetFullPath(Path.Combine(rootPath, document));
        var broken = new List<BrokenLink>();
        foreach (var link in Find(File.ReadAllText(documentPath)))
        {
            if (Problem(rootPath, documentPath, link.Target) is { } reason)
            {
                broken.Add(new BrokenLink(document.Replace('\\', '/'), link.Line, link.Target, reason));
            }
        }

        return broken;
    }

    static string? Problem(string root, string document, string target)
    {
        if (target.Length == 0)
        {
            return "an empty link";
        }

        if (target.StartsWith("//", StringComparison.Ordinal) || IsExternal(target))
        {
            return null;
        }

        if (UrlScheme().IsMatch(target))
        {
            return "not a relative link, nor http(s) or mailto";
        }

        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var pathPart = hash < 0 ? target : target[..hash];
        var fragment = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);
        if (pathPart.IndexOf('?', StringComparison.Ordinal) is var query and >= 0)
        {
            pathPart = pathPart[..query];
        }

        string resolved;
        if (pathPart.Length == 0)
        {
            resolved = document;
        }
        else
        {
            var relative = Uri.UnescapeDataString(pathPart);
            // GitHub resolves "/x" from the repository's root, everything else from the document's folder.
            resolved = Path.GetFullPath(relative.StartsWith('/') ? Path.Combine(root, relative.TrimStart('/')) : Path.Combine(Path.GetDirectoryName(document)!, relative));
            if (resolved != root && !resolved.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return $"points outside the repository, to {resolved}";
            }

            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                return $"no such file or folder: {Path.GetRelativePath(root, resolved).Replace('\\', '/')}";
            }
        }

        if (fragment is null || !resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || !File.Exists(resolved))
        {
            return null;
        }

        return Anchors(File.ReadAllText(resolved)).Contains(fragment)
            ? null
            : $"no heading in {Path.GetRelativePath(root, resolved).Replace('\\', '/')} has the id '{fragment}'";
    }

    static bool IsExternal(string target) =>
        target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase);

    // The lines outside fenced code blocks (``` or ~~~, closed by a fence of the same character at least as long).
    static IEnumerable<(int Number, string Line)> OutsideCode(string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        string? fence = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var match = Fence().Match(lines[i]);
            if (fence is null)
            {
                if (match.Success)
                {
                    fence = match.Groups["fence"].Value;
                    continue;
                }

                yield return (i + 1, lines[i]);
            }
            else if (match.Success && match.Groups["fence"].Value[0] == fence[0] && match.Groups["fence"].Value.Length >= fence.Length && match.Groups["info"].Value.Trim().Length == 0)
            {
                fence = null;
            }
        }
    }

    // Code spans become spaces, so nothing inside them is taken for a link and positions stay put.
    static string BlankCodeSpans(string line)
    {
        var builder = new StringBuilder(line);
        var i = 0;
        while (i < line.Length)
        {
            if (line[i] != '`')
            {
                i++;
                continue;
            }

            var run = 1;
            while (i + run < line.Length && line[i + run] == '`')
            {
                run++;
            }

            var close = line.IndexOf(new string('`', run), i + run, StringComparison.Ordinal);
            while (close >= 0 && close + run < line.Length && line[close + run] == '`')
            {
                close = line.IndexOf(new string('`', run), close + run + 1, StringComparison.Ordinal);
            }

            if (close < 0)
            {
                i += run;
                continue;
            }

            for (var j = i; j < close + run; j++)
            {
                builder[j] = ' ';
            }

            i = close + run;
        }

        return builder.ToString();
    }

    // The destination of an inline link whose "(" is just before `start`: <…>, or non-space text with balanced
    // parentheses, then an optional title and ")". Null when there is no well-formed one.
    static string? Destination(string text, int start)
    {
        var i = start;
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        string target;
        if (i < text.Length && text[i] == '<')
        {
            var end = text.IndexOf('>', i + 1);
            if (end < 0)
            {
                return null;
            }

            target = text[(i + 1)..end];
            i = end + 1;
        }
        else
        {
            var from = i;
            var depth = 0;
            while (i < text.Length && text[i] != ' ' && !(text[i] == ')' && depth == 0))
            {
                depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
                i++;
            }

            target = text[from..i];
        }

        var rest = text[i..].TrimStart();
        if (rest.StartsWith(')'))
        {
            return target;
        }

        return LinkTitle().IsMatch(rest) ? target : null;
    }

    static string Unbracket(string target) =>
        target.Length >= 2 && target[0] == '<' && target[^1] == '>' ? target[1..^1] : target;

    // What GitHub shows of a heading: code spans as their text, links and images by their text, no emphasis or HTML.
    static string RenderedText(string heading)
    {
        var builder = new StringBuilder();
        var parts = CodeSpanOrText().Matches(heading);
        foreach (Match part in parts)
        {
            if (part.Groups["code"].Success)
            {
                builder.Append(part.Groups["code"].Value.Trim());
                continue;
            }

            var text = InlineImage().Replace(part.Value, string.Empty);
            text = InlineLink().Replace(text, "${text}");
            text = HtmlTag().Replace(text, string.Empty);
            text = EmphasisUnderscore().Replace(text, string.Empty);
            builder.Append(text);
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^ {0,3}#{1,6}(?:[ \t]+(?<text>.*?))?(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex AtxHeading();

    [GeneratedRegex(@"^ {0,3}(?:=+|-+)[ \t]*$")]
    private static partial Regex SetextUnderline();

    [GeneratedRegex(@"^ {0,3}\[(?<label>[^\]]+)\]:[ \t]*(?<target><[^>]*>|\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"<(?:a|img|source|link)\b[^>]*?\b(?:href|src)\s*=\s*[""'](?<target>[^""']*)[""']", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlLinkAttribute();

    [GeneratedRegex(@"<a\b[^>]*?\b(?:id|name)\s*=\s*[""'](?<id>[^""']+)[""']", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlAnchor();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex UrlScheme();

    [GeneratedRegex(@"^(?:""[^""]*""|'[^']*'|\([^)]*\))\s*\)")]
    private static partial Regex LinkTitle();

    [GeneratedRegex(@"(?<open>`+)(?<code>.+?)\k<open>|[^`]+|`+")]
    private static partial Regex CodeSpanOrText();

    [GeneratedRegex(@"!\[[^\]]*\]\([^)]*\)")]
    private static partial Regex InlineImage();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])")]
    private static partial Regex EmphasisUnderscore();
}
