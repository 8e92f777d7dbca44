using System.Collections;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using ServerlessProvisioning.Hosting;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// The document declares exactly what the handlers read: every query parameter and header a route's handler looks up
/// (present or not) is one its <see cref="ApiRoute"/> declares, and every declared one is looked up. The host records
/// each lookup made while a route's endpoint is chosen; each route gets one request that reaches its reads.
/// </summary>
public class OpenApiParameterTests(AzuriteFixture azurite)
{
    // Read for every route by the framework or by what each route's document already says another way: the body
    // (requestBody), the answer's media type, and the security schemes' own headers.
    static readonly HashSet<string> NotParameters = new(StringComparer.OrdinalIgnoreCase) { "Content-Type", "Content-Length", "Accept" };

    [Fact]
    public async Task Every_query_parameter_and_header_a_handler_reads_is_declared_and_every_declared_one_is_read()
    {
        var reads = new ReadRecorder();
        await using var host = await InProcessHost.StartAsync(azurite, services: s => s.AddSingleton<IStartupFilter>(reads));

        foreach (var route in ApiEndpoints.All)
        {
            using var request = RequestFor(route);
            using var response = await host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        var undeclared = new List<string>();
        var unread = new List<string>();
        foreach (var route in ApiEndpoints.All)
        {
            var declared = route.Parameters.Select(p => (p.In, p.Name.ToUpperInvariant())).ToHashSet();
            var proof = route.SecurityScheme switch
            {
                ApiSecurity.OperatorKey or ApiSecurity.EventKey => ApiSecurity.OperatorKeyHeader,
                ApiSecurity.LinkToken => "Authorization",
                _ => null,
            };
            // The event key scheme is the key in ?code= (and, as for any Functions key, x-functions-key).
            var queryProof = route.SecurityScheme == ApiSecurity.EventKey ? ApiSecurity.EventKeyQuery : null;
            var seen = reads.Of(route.Name);
            undeclared.AddRange(seen
                .Where(r => !declared.Contains((r.In, r.Name.ToUpperInvariant())))
                .Where(r => r.In == ApiParameterLocation.Query
                    ? !string.Equals(r.Name, queryProof, StringComparison.OrdinalIgnoreCase)
                    : !(NotParameters.Contains(r.Name) || string.Equals(r.Name, proof, StringComparison.OrdinalIgnoreCase)))
                .Select(r => $"{route.Name} reads {r.In} {r.Name}"));
            unread.AddRange(route.Parameters
                .Where(p => !seen.Any(r => r.In == p.In && string.Equals(r.Name, p.Name, StringComparison.OrdinalIgnoreCase)))
                .Select(p => $"{route.Name} declares {p.In} {p.Name}"));
        }

        Assert.True(undeclared.Count == 0, "Declare these in the route's Parameters (ApiRoute), then run `UPDATE_OPENAPI=1 dotnet test tests/ServerlessProvisioning.DevServer.Tests --filter OpenApi`:\n" + string.Join('\n', undeclared.Distinct()));
        Assert.True(unread.Count == 0, "Declared but not read by the handler (remove them, or make this test's request reach the read):\n" + string.Join('\n', unread));
        // The recorder itself works: the order list's reads were seen.
        Assert.Contains(reads.Of("ListOrders"), r => r is { In: ApiParameterLocation.Query, Name: "stage" });
    }

    // One request per route that gets as far as its reads: its declared parameters and headers, its proof, a body.
    static HttpRequestMessage RequestFor(ApiRoute route)
    {
        var path = "/api/" + route.Template
            .Replace("{orderId}", "ord-reads-check", StringComparison.Ordinal)
            .Replace("{organizationId}", "org-reads-check", StringComparison.Ordinal)
            .Replace("{token}", new string('x', 43), StringComparison.Ordinal);
        var query = string.Join('&', route.Parameters.Where(p => p.In == ApiParameterLocation.Query).Select(p => p.Name + "=" + Uri.EscapeDataString(SampleValue(p.Type)))
            .Concat(route.SecurityScheme == ApiSecurity.EventKey ? [ApiSecurity.EventKeyQuery + "=" + LocalHost.OperatorKey] : []));
        var request = new HttpRequestMessage(new HttpMethod(route.Method), query.Length > 0 ? path + "?" + query : path);
        foreach (var header in route.Parameters.Where(p => p.In == ApiParameterLocation.Header))
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Name.StartsWith("If-", StringComparison.Ordinal) ? "*" : "t=1,v1=00");
        }

        if (route.SecurityScheme == ApiSecurity.OperatorKey)
        {
            request.Headers.Add(ApiSecurity.OperatorKeyHeader, LocalHost.OperatorKey);
        }
        else if (route.SecurityScheme == ApiSecurity.LinkToken)
        {
            request.Headers.Add("Authorization", "Bearer " + new string('x', 43));
        }

        if (route.Body is not null)
        {
            // A valid organization, so that a PUT gets past its body to If-Match.
            var body = route.Name == "PutOrganization"
                ? """{"id":"org-reads-check","name":"Reads Check","type":"Customer","createdAt":"2024-01-01T00:00:00Z","users":[{"email":"a@reads-check.example","roles":["FullAdmin"]}],"subscriptions":[]}"""
                : "{}";
            request.Content = new StringContent(body, Encoding.UTF8, route.BodyMediaType);
        }

        return request;
    }

    static string SampleValue(Type type) =>
        type.IsEnum ? Enum.GetNames(type)[0]
        : type == typeof(int) ? "1"
        : type == typeof(bool) ? "true"
        : type == typeof(DateTimeOffset) ? "2030-01-01T00:00:00Z"
        : "x";

    /// <summary>Records, per route, every query parameter and header looked up once the route's endpoint is chosen.</summary>
    sealed class ReadRecorder : IStartupFilter
    {
        readonly ConcurrentDictionary<string, ConcurrentBag<(ApiParameterLocation In, string Name)>> reads = new();

        public List<(ApiParameterLocation In, string Name)> Of(string route) =>
            reads.TryGetValue(route, out var bag) ? bag.ToList() : [];

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, then) =>
            {
                void Record(ApiParameterLocation location, string name)
                {
                    if (context.GetEndpoint()?.Metadata.GetMetadata<ApiRoute>() is { } route)
                    {
                        reads.GetOrAdd(route.Name, _ => []).Add((location, name));
                    }
                }

                var requestFeature = context.Features.Get<IHttpRequestFeature>()!;
                requestFeature.Headers = new RecordingHeaders(requestFeature.Headers, name => Record(ApiParameterLocation.Header, name));
                context.Features.Set<IQueryFeature>(new QueryFeature(new RecordingQuery(context.Request.Query, name => Record(ApiParameterLocation.Query, name))));
                return then(context);
            });
            next(app);
        };
    }

    sealed class RecordingQuery(IQueryCollection inner, Action<string> read) : IQueryCollection
    {
        public StringValues this[string key]
        {
            get
            {
                read(key);
                return inner[key];
            }
        }

        public int Count => inner.Count;

        public ICollection<string> Keys => inner.Keys;

        public bool ContainsKey(string key)
        {
            read(key);
            return inner.ContainsKey(key);
        }

        public bool TryGetValue(string key, out StringValues value)
        {
            read(key);
            return inner.TryGetValue(key, out value);
        }

        // A handler that walks the whole query string reads whatever a caller sends: that is a read of "*".
        public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator()
        {
            read("*");
            return inner.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    sealed class RecordingHeaders(IHeaderDictionary inner, Action<string> read) : IHeaderDictionary
    {
        public StringValues this[string key]
        {
            get
            {
                read(key);
                return inner[key];
            }

            set => inner[key] = value;
        }

        public long? ContentLength
        {
            get
            {
                read("Content-Length");
                return inner.ContentLength;
            }

            set => inner.ContentLength = value;
        }

        public ICollection<string> Keys => inner.Keys;

        public ICollection<StringValues> Values => inner.Values;

        public int Count => inner.Count;

        public bool IsReadOnly => inner.IsReadOnly;

        public void Add(string key, StringValues value) => inner[key] = value;

        public void Add(KeyValuePair<string, StringValues> item) => inner.Add(item);

        public void Clear() => inner.Clear();

        public bool Contains(KeyValuePair<string, StringValues> item) => inner.Contains(item);

        public bool ContainsKey(string key)
        {
            read(key);
            return inner.ContainsKey(key);
        }

        public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex) => inner.CopyTo(array, arrayIndex);

        public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator()
        {
            read("*");
            return inner.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public bool Remove(string key) => inner.Remove(key);

        public bool Remove(KeyValuePair<string, StringValues> item) => inner.Remove(item);

        public bool TryGetValue(string key, out StringValues value)
        {
            read(key);
            return inner.TryGetValue(key, out value);
        }
    }
}
