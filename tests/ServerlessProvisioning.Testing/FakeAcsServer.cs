using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace ServerlessProvisioning.Testing;

/// <summary>One request as the fake saw it, with the answer it gave.</summary>
public sealed record RecordedRequest(
    DateTimeOffset At,
    string Method,
    string RawTarget,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    int Status,
    string? Rejection)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>An answer the fake gives to the next POST instead of accepting it.</summary>
/// <param name="Status">The status to answer with; 0 drops the connection instead.</param>
/// <param name="Headers">Headers of the answer (e.g. Retry-After).</param>
/// <param name="AcceptFirst">Accept the email, then answer <paramref name="Status"/> anyway, as if the 202 were lost on the way.</param>
public sealed record ScriptedReply(int Status, IReadOnlyDictionary<string, string>? Headers = null, bool AcceptFirst = false);

/// <summary>
/// Azure Communication Services Email on Kestrel at 127.0.0.1 on a free port. It verifies HMAC-SHA256
/// signatures exactly as the service documents them (recomputed from the raw request target, the Host header
/// with its port, x-ms-date and the body), rejects stale dates, accepts an Operation-Id once, runs each
/// operation through scripted polls, and records every request.
/// </summary>
public sealed class FakeAcsServer : IAsyncDisposable
{
    public const string ApiVersion = "2023-03-31";

    readonly WebApplication app;
    readonly Lock gate = new();
    readonly List<RecordedRequest> requests = [];
    readonly Dictionary<string, FakeOperation> operations = new(StringComparer.OrdinalIgnoreCase);
    readonly List<string> deliveries = [];

    FakeAcsServer(WebApplication app, byte[] key, X509Certificate2? certificate)
    {
        this.app = app;
        Key = key;
        Certificate = certificate;
    }

    /// <summary>The access key, base64, as in the connection string.</summary>
    public string AccessKey => Convert.ToBase64String(Key);

    byte[] Key { get; }

    /// <summary>The endpoint, with a trailing slash: http://127.0.0.1:port/.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public string ConnectionString => $"endpoint={Endpoint};accesskey={AccessKey}";

    /// <summary>The self-signed certificate of an https fake.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>How far x-ms-date may be from now.</summary>
    public TimeSpan ClockTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The bearer token accepted (https only); null rejects bearer tokens.</summary>
    public string? AcceptedBearerToken { get; set; }

    /// <summary>Answers for the next POSTs, taken in order before the fake accepts a POST.</summary>
    public ConcurrentQueue<ScriptedReply> PostReplies { get; } = new();

    /// <summary>How many polls of a new operation answer Running before its final status.</summary>
    public int RunningPolls { get; set; }

    /// <summary>The final status of new operations.</summary>
    public string FinalStatus { get; set; } = "Succeeded";

    /// <summary>The error of new operations that end Failed or Canceled.</summary>
    public (string Code, string Message)? FinalError { get; set; }

    /// <summary>The retry-after header (seconds) sent with non-terminal statuses; null sends none.</summary>
    public string? RetryAfter { get; set; } = "1";

    /// <summary>Writes Operation-Location with a double slash, like the REST spec's example.</summary>
    public bool DoubleSlashOperationLocation { get; set; }

    /// <summary>Answers a repeated Operation-Id with 409 instead of the existing operation's 202.</summary>
    public bool RepeatedIdIsConflict { get; set; }

    /// <summary>Replaces Operation-Location altogether (e.g. another host).</summary>
    public string? OperationLocationOverride { get; set; }

    // The status of a request still being answered, and where its slot is kept on its context.
    const int Pending = -1;
    const string SlotKey = "fake-acs-slot";

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (gate) { return [.. requests.Where(r => r.Status != Pending)]; } }
    }

    public IReadOnlyList<RecordedRequest> Posts => [.. Requests.Where(r => r.Method == "POST")];

    public IReadOnlyList<RecordedRequest> Polls => [.. Requests.Where(r => r.Method == "GET")];

    /// <summary>The bodies of the emails accepted, one per Operation-Id.</summary>
    public IReadOnlyList<string> Deliveries
    {
        get { lock (gate) { return [.. deliveries]; } }
    }

    public static async Task<FakeAcsServer> StartAsync(bool https = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        X509Certificate2? certificate = null;
        if (https)
        {
            certificate = CreateCertificate();
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        }

        var app = builder.Build();
        app.Urls.Add(https ? "https://127.0.0.1:0" : "http://127.0.0.1:0");
        var server = new FakeAcsServer(app, RandomNumberGenerator.GetBytes(64), certificate);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Endpoint = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        Certificate?.Dispose();
    }

    /// <summary>Recomputes the signature of a request the way the service does.</summary>
    public static string Sign(byte[] key, string method, string rawTarget, string date, string host, string contentHash) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{method}\n{rawTarget}\n{date};{host};{contentHash}")));

    async Task HandleAsync(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var at = DateTimeOffset.UtcNow;

        var rejection = Authenticate(context, rawTarget, body);

        // Recorded in the order requests arrive, with their status set before the client can see the answer: a client
        // that retries at once after a dropped connection or an error must find its first request recorded first. A
        // request still being answered is not shown (its status is Pending until then; a dropped one's is 0).
        int slot;
        lock (gate)
        {
            slot = requests.Count;
            requests.Add(new RecordedRequest(at, context.Request.Method, rawTarget, headers, Encoding.UTF8.GetString(body), Pending, rejection));
        }

        context.Items[SlotKey] = slot;
        context.Response.OnStarting(() =>
        {
            Answer(context, context.Response.StatusCode);
            return Task.CompletedTask;
        });
        var answered = rejection is not null ? await ErrorAsync(context, 401, "Unauthorized", rejection) : await RouteAsync(context, rawTarget, body);
        Answer(context, answered);
    }

    // Sets the status of the request's slot once; a dropped connection is set to 0 before it is dropped.
    void Answer(HttpContext context, int status)
    {
        var slot = (int)context.Items[SlotKey]!;
        lock (gate)
        {
            if (requests[slot].Status == Pending)
            {
                requests[slot] = requests[slot] with { Status = status };
            }
        }
    }

    string? Authenticate(HttpContext context, string rawTarget, byte[] body)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            if (!context.Request.IsHttps)
            {
                return "bearer tokens only over https";
            }

            return AcceptedBearerToken is not null && authorization == "Bearer " + AcceptedBearerToken ? null : "bearer token not accepted";
        }

        const string Prefix = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";
        if (!authorization.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return "no HMAC-SHA256 authorization with SignedHeaders=x-ms-date;host;x-ms-content-sha256";
        }

        var date = context.Request.Headers["x-ms-date"].ToString();
        if (!DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return "x-ms-date is not an RFC 1123 date";
        }

        if ((DateTimeOffset.UtcNow - signedAt).Duration() > ClockTolerance)
        {
            return "x-ms-date is stale";
        }

        var contentHash = Convert.ToBase64String(SHA256.HashData(body));
        if (context.Request.Headers["x-ms-content-sha256"].ToString() != contentHash)
        {
            return "x-ms-content-sha256 does not match the body";
        }

        var host = context.Request.Headers.Host.ToString();
        var expected = Sign(Key, context.Request.Method, rawTarget, date, host, contentHash);
        var given = authorization[Prefix.Length..];
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given))
            ? null
            : "signature mismatch";
    }

    async Task<int> RouteAsync(HttpContext context, string rawTarget, byte[] body)
    {
        var path = context.Request.Path.Value!.TrimStart('/');
        if (context.Request.Query["api-version"] != ApiVersion)
        {
            return await ErrorAsync(context, 400, "InvalidApiVersion", "api-version must be " + ApiVersion);
        }

        if (HttpMethods.IsPost(context.Request.Method) && path == "emails:send")
        {
            if (!context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) ?? true)
            {
                return await ErrorAsync(context, 415, "UnsupportedMediaType", "application/json expected");
            }

            var operationId = context.Request.Headers["Operation-Id"].ToString();
            if (operationId.Length == 0)
            {
                operationId = Guid.NewGuid().ToString();
            }
            else if (!Guid.TryParse(operationId, out _))
            {
                return await ErrorAsync(context, 400, "InvalidOperationId", "Operation-Id must be a UUID");
            }

            if (PostReplies.TryDequeue(out var reply))
            {
                if (reply.AcceptFirst)
                {
                    Accept(operationId, body);
                }

                if (reply.Status == 0)
                {
                    Answer(context, 0);
                    context.Abort();
                    return 0;
                }

                foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
                {
                    context.Response.Headers[name] = value;
                }

                return await ErrorAsync(context, reply.Status, reply.Status == 429 ? "TooManyRequests" : "ServiceUnavailable", "scripted");
            }

            bool known;
            lock (gate)
            {
                known = operations.ContainsKey(operationId);
            }

            if (known && RepeatedIdIsConflict)
            {
                return await ErrorAsync(context, 409, "Conflict", "operation exists");
            }

            var operation = Accept(operationId, body);
            var location = OperationLocationOverride
                ?? $"{Endpoint}{(DoubleSlashOperationLocation ? "/" : "")}emails/operations/{operationId}?api-version={ApiVersion}";
            context.Response.Headers["Operation-Location"] = location;
            return await StatusAsync(context, 202, operation, poll: false);
        }

        if (HttpMethods.IsGet(context.Request.Method) && path.StartsWith("emails/operations/", StringComparison.Ordinal))
        {
            FakeOperation? operation;
            lock (gate)
            {
                operations.TryGetValue(path["emails/operations/".Length..], out operation);
            }

            return operation is null
                ? await ErrorAsync(context, 404, "NotFound", "no such operation")
                : await StatusAsync(context, 200, operation, poll: true);
        }

        return await ErrorAsync(context, 404, "NotFound", "no such route: " + rawTarget);
    }

    FakeOperation Accept(string operationId, byte[] body)
    {
        lock (gate)
        {
            if (!operations.TryGetValue(operationId, out var operation))
            {
                operation = new FakeOperation(operationId, RunningPolls, FinalStatus, FinalError);
                operations.Add(operationId, operation);
                deliveries.Add(Encoding.UTF8.GetString(body));
            }

            return operation;
        }
    }

    async Task<int> StatusAsync(HttpContext context, int status, FakeOperation operation, bool poll)
    {
        var (state, error) = operation.Observe(poll);
        if (state is "Running" && RetryAfter is not null)
        {
            context.Response.Headers["retry-after"] = RetryAfter;
        }

        context.Response.StatusCode = status;
        object body = error is { } e
            ? new { id = operation.Id, status = state, error = new { code = e.Code, message = e.Message } }
            : new { id = operation.Id, status = state };
        await context.Response.WriteAsJsonAsync(body, context.RequestAborted);
        return status;
    }

    static async Task<int> ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["x-ms-error-code"] = code;
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = new { code, message } }), context.RequestAborted);
        return status;
    }

    static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }

    sealed class FakeOperation(string id, int runningPolls, string finalStatus, (string Code, string Message)? finalError)
    {
        int polls;

        public string Id { get; } = id;

        /// <summary>The status now; a poll moves the operation on.</summary>
        public (string Status, (string Code, string Message)? Error) Observe(bool poll)
        {
            var seen = poll ? Interlocked.Increment(ref polls) : Volatile.Read(ref polls);
            if (seen == 0 || seen <= runningPolls)
            {
                return ("Running", null);
            }

            return (finalStatus, finalStatus == "Succeeded" ? null : finalError);
        }
    }
}
