using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.Reliability.Tests;

/// <summary>
/// One case of Corpus/hostile-inputs.json: a request and the 4xx it must get. <c>route</c> is one path or a list of
/// paths (the case runs on each); <c>{placeholders}</c> in routes, bodies and headers are filled from the fixture.
/// </summary>
public sealed record HostileCase(
    string Name,
    string Method,
    IReadOnlyList<string> Routes,
    string? ContentType,
    string? BodyText,
    byte[]? BodyBytes,
    IReadOnlyDictionary<string, string> Headers,
    bool WithoutSignature,
    TimeSpan SignOffset,
    string? SignSecret,
    string? SignBody,
    bool? OperatorKey,
    IReadOnlyList<int> Expect,
    bool ProblemJson,
    string? KnownBug);

/// <summary>Reads the corpus and turns its cases into requests.</summary>
public static partial class HostileCorpus
{
    public static string FilePath => Path.Combine(AppContext.BaseDirectory, "Corpus", "hostile-inputs.json");

    static readonly Lazy<IReadOnlyList<HostileCase>> Loaded = new(() => Parse(File.ReadAllText(FilePath)));

    public static IReadOnlyList<HostileCase> Cases => Loaded.Value;

    public static HostileCase Find(string name) => Cases.Single(c => c.Name == name);

    /// <summary>Every (case, route) pair, skipped with its reason when the case documents a known product bug.</summary>
    public static IEnumerable<TheoryDataRow<string, string>> Rows() =>
        Cases.SelectMany(c => c.Routes.Select(r => new TheoryDataRow<string, string>(c.Name, r)
        {
            TestDisplayName = $"{c.Name} — {c.Method} {r}",
            Skip = c.KnownBug,
        }));

    public static IReadOnlyList<HostileCase> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var cases = new List<HostileCase>();
        foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var routes = c.GetProperty("route") is { ValueKind: JsonValueKind.Array } list ? list.EnumerateArray().Select(r => r.GetString()!).ToList() : [c.GetProperty("route").GetString()!];
            string? body = null;
            byte[]? bytes = null;
            if (c.TryGetProperty("body", out var b))
            {
                body = b.GetString()!;
            }
            else if (c.TryGetProperty("bodyRepeat", out var repeat))
            {
                var text = new StringBuilder(Text(repeat, "prefix") ?? string.Empty);
                var unit = repeat.GetProperty("text").GetString()!;
                var close = Text(repeat, "close");
                var times = repeat.GetProperty("times").GetInt32();
                text.Insert(text.Length, unit, times);
                if (close is not null)
                {
                    text.Insert(text.Length, close, times);
                }

                body = text.Append(Text(repeat, "suffix")).ToString();
            }
            else if (c.TryGetProperty("bodyBase64", out var raw))
            {
                bytes = Convert.FromBase64String(raw.GetString()!);
            }

            var contentType = c.TryGetProperty("contentType", out var ct) ? ct.GetString() : body is null && bytes is null ? null : "application/json";
            var expect = c.GetProperty("expect") is { ValueKind: JsonValueKind.Array } codes ? codes.EnumerateArray().Select(e => e.GetInt32()).ToList() : [c.GetProperty("expect").GetInt32()];
            Assert.All(expect, e => Assert.InRange(e, 400, 499));
            cases.Add(new HostileCase(
                c.GetProperty("name").GetString()!,
                Text(c, "method") ?? "POST",
                routes,
                contentType,
                body,
                bytes,
                c.TryGetProperty("headers", out var h) ? h.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : new Dictionary<string, string>(),
                c.TryGetProperty("unsigned", out var u) && u.GetBoolean(),
                Text(c, "signOffset") is { } offset ? TimeSpan.Parse(offset, CultureInfo.InvariantCulture) : TimeSpan.Zero,
                Text(c, "signSecret"),
                Text(c, "signBody"),
                c.TryGetProperty("operatorKey", out var k) ? k.GetBoolean() : null,
                expect,
                !c.TryGetProperty("problemJson", out var p) || p.GetBoolean(),
                Text(c, "knownBug")));
        }

        return cases;
    }

    static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Builds the request of a case on one of its routes.</summary>
    public static HttpRequestMessage Build(HostileCase c, string route, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(c);
        var now = DateTimeOffset.UtcNow;
        var fill = new Dictionary<string, string>(values)
        {
            ["now"] = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["newOrderId"] = "corpus-new-" + Guid.NewGuid().ToString("N")[..12],
        };
        var path = Fill(route, fill);
        var request = new HttpRequestMessage(new HttpMethod(c.Method), path);
        var body = c.BodyText is null ? c.BodyBytes : Encoding.UTF8.GetBytes(Fill(c.BodyText, fill));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = null;
            if (!string.IsNullOrEmpty(c.ContentType))
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }
        }

        var isWebhook = c.Method == "POST" && route == "/api/orders";
        if (isWebhook && !c.WithoutSignature)
        {
            var signed = c.SignBody is null ? body ?? [] : Encoding.UTF8.GetBytes(Fill(c.SignBody, fill));
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(signed, c.SignSecret ?? DevServerProcess.Secret, now + c.SignOffset));
        }

        var operatorRoute = (route.StartsWith("/api/orders", StringComparison.Ordinal) && !isWebhook) || route.StartsWith("/api/organizations", StringComparison.Ordinal);
        if ((c.OperatorKey ?? operatorRoute) && !c.Headers.ContainsKey("x-functions-key"))
        {
            request.Headers.Add("x-functions-key", DevServerProcess.OperatorKey);
        }

        foreach (var (name, value) in c.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, Fill(value, fill));
        }

        return request;
    }

    // {name} and {name:modifier}: short (one character less), long (one more), tweak (last character changed), upper.
    static string Fill(string text, Dictionary<string, string> values) => Placeholder().Replace(text, m =>
    {
        if (!values.TryGetValue(m.Groups["name"].Value, out var value))
        {
            return m.Value;
        }

        return m.Groups["mod"].Value switch
        {
            "short" => value[..^1],
            "long" => value + "A",
            "tweak" => value[..^1] + (value[^1] == 'A' ? 'B' : 'A'),
            "upper" => value.ToUpperInvariant(),
            _ => value,
        };
    });

    [GeneratedRegex(@"\{(?<name>[A-Za-z]+)(:(?<mod>[a-z]+))?\}")]
    private static partial Regex Placeholder();

    /// <summary>The media type of a response, for assertions.</summary>
    public static string? MediaType(HttpResponseMessage response) => response.Content.Headers.ContentType is MediaTypeHeaderValue m ? m.MediaType : null;
}
