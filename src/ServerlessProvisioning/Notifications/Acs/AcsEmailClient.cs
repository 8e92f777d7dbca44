// A stand-in for the Azure.Communication.Email package, which this build cannot use: the same REST calls
// (api-version 2023-03-31), auth and long-running operation, on Azure.Core, with the package's type names
// prefixed "Acs". To switch to the package: reference Azure.Communication.Email, delete the stand-in files
// (AcsEmailClient.cs, AcsEmailModels.cs, AcsEmailSendOperation.cs, AcsHmacAuthenticationPolicy.cs,
// AcsRetryPolicy.cs) and drop the "Acs" prefix in AcsEmailSender.cs, the only file that uses them.
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>Options of <see cref="AcsEmailClient"/>: Azure.Core's transport, retry and diagnostics, plus how the send operation is awaited.</summary>
public sealed class AcsEmailClientOptions : ClientOptions
{
    /// <summary>Retries that suit a send: a few, backing off from one second, never longer than 30 s apart.</summary>
    public AcsEmailClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 5;
        Retry.Delay = TimeSpan.FromSeconds(1);
        Retry.MaxDelay = TimeSpan.FromSeconds(30);
        Diagnostics.LoggedHeaderNames.Add("Operation-Id");
        Diagnostics.LoggedHeaderNames.Add("Operation-Location");
    }

    /// <summary>The wait between status polls when the service sends no <c>Retry-After</c>.</summary>
    public TimeSpan DefaultPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between status polls, whatever <c>Retry-After</c> says.</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="AcsEmailSendOperation.WaitForCompletionAsync(CancellationToken)"/> waits before giving up with a <see cref="TimeoutException"/>.</summary>
    public TimeSpan CompletionTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A 429/503 asking for a longer wait than this fails at once instead of blocking the caller: the workflow waits
    /// longer waits out with a durable timer, holding no worker.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock that dates signatures (tests move it).</summary>
    internal TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>How the client waits between polls (tests record instead of waiting).</summary>
    internal Func<TimeSpan, CancellationToken, Task> PollDelay { get; set; } = (delay, cancellationToken) => Task.Delay(delay, cancellationToken);
}

/// <summary>
/// Sends email through Azure Communication Services: <c>POST {endpoint}/emails:send</c> with an
/// <c>Operation-Id</c>, then polls the operation until it ends. Authenticates with the access key of a
/// connection string (HMAC-SHA256) or with Microsoft Entra ID.
/// </summary>
public class AcsEmailClient
{
    /// <summary>The REST API version this client speaks.</summary>
    public const string ApiVersion = "2023-03-31";

    /// <summary>The Microsoft Entra ID scope of the data plane (the double slash is what the service expects).</summary>
    public const string EntraScope = "https://communication.azure.com//.default";

    readonly HttpPipeline pipeline;
    readonly Uri endpoint;
    readonly Uri sendUri;

    /// <summary>A client authenticated by the access key of <paramref name="connectionString"/> (<c>endpoint=…;accesskey=…</c>).</summary>
    /// <exception cref="FormatException">The connection string is malformed; the message says how, without repeating it.</exception>
    public AcsEmailClient(string connectionString, AcsEmailClientOptions? options = null)
        : this(AcsConnectionString.Parse(connectionString), options)
    {
    }

    /// <summary>A client authenticated by the access key of a parsed connection string.</summary>
    public AcsEmailClient(AcsConnectionString connectionString, AcsEmailClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        Options = options ?? new AcsEmailClientOptions();
        endpoint = connectionString.Endpoint;
        sendUri = Resolve("emails:send");
        pipeline = BuildPipeline(Options, new AcsHmacAuthenticationPolicy(connectionString.AccessKey, Options.Clock));
    }

    /// <summary>A client authenticated with Microsoft Entra ID, e.g. a managed identity (the endpoint must be https).</summary>
    public AcsEmailClient(Uri endpoint, TokenCredential credential, AcsEmailClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        if (!endpoint.IsAbsoluteUri)
        {
            throw new ArgumentException("The ACS endpoint must be an absolute URI.", nameof(endpoint));
        }

        Options = options ?? new AcsEmailClientOptions();
        this.endpoint = endpoint;
        sendUri = Resolve("emails:send");
        pipeline = BuildPipeline(Options, new BearerTokenAuthenticationPolicy(credential, EntraScope));
    }

    /// <summary>The resource endpoint.</summary>
    public Uri Endpoint => endpoint;

    internal AcsEmailClientOptions Options { get; }

    /// <summary>Sends <paramref name="message"/> under a new random operation id.</summary>
    public virtual Task<AcsEmailSendOperation> SendAsync(WaitUntil waitUntil, AcsEmailMessage message, CancellationToken cancellationToken = default) =>
        SendAsync(waitUntil, message, Guid.NewGuid(), cancellationToken);

    /// <summary>
    /// Sends <paramref name="message"/> as operation <paramref name="operationId"/>. The service accepts an id
    /// once, so sending again with the same id (a retry) does not send the email again.
    /// </summary>
    /// <param name="waitUntil"><see cref="WaitUntil.Completed"/> to return once the operation has ended; <see cref="WaitUntil.Started"/> once it is accepted.</param>
    /// <param name="message">The email.</param>
    /// <param name="operationId">The <c>Operation-Id</c>; derive it from an idempotency key with <see cref="EmailOperationId"/>.</param>
    /// <param name="cancellationToken">Cancels the send and the wait.</param>
    /// <exception cref="RequestFailedException">The service refused the email, or the operation ended Failed or Canceled (<see cref="RequestFailedException.ErrorCode"/> is the service's code).</exception>
    /// <exception cref="TimeoutException">The operation did not end within <see cref="AcsEmailClientOptions.CompletionTimeout"/>.</exception>
    public virtual async Task<AcsEmailSendOperation> SendAsync(WaitUntil waitUntil, AcsEmailMessage message, Guid operationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();

        using var http = pipeline.CreateMessage();
        var request = http.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(sendUri);
        request.Headers.SetValue("Operation-Id", operationId.ToString("D"));
        request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
        request.Content = RequestContent.Create(message.ToJson());

        await pipeline.SendAsync(http, cancellationToken);
        var response = http.Response;
        AcsEmailSendOperation operation;
        if (response.Status == 202)
        {
            var result = AcsEmailSendResult.Read(response);
            operation = new AcsEmailSendOperation(this, result, response, PollUri(response, result.Id));
        }
        else if (response.Status == 409)
        {
            // The spec does not say how a repeated Operation-Id is answered. Should it be a conflict, the email
            // was accepted before under this id: follow that operation rather than fail every retry.
            var id = operationId.ToString("D");
            operation = new AcsEmailSendOperation(this, new AcsEmailSendResult(id, AcsEmailSendStatus.Running, null), response, OperationUri(id));
        }
        else
        {
            throw Failure(response, "refused the email");
        }

        if (waitUntil == WaitUntil.Completed)
        {
            await operation.WaitForCompletionAsync(cancellationToken);
        }

        return operation;
    }

    /// <summary>Reads the status of an operation.</summary>
    internal async Task<(AcsEmailSendResult Result, Response Response)> GetSendResultAsync(Uri pollUri, CancellationToken cancellationToken)
    {
        using var http = CreatePoll(pollUri);
        await pipeline.SendAsync(http, cancellationToken);
        return ReadPoll(http.Response);
    }

    /// <summary>Reads the status of an operation, blocking.</summary>
    internal (AcsEmailSendResult Result, Response Response) GetSendResult(Uri pollUri, CancellationToken cancellationToken)
    {
        using var http = CreatePoll(pollUri);
        pipeline.Send(http, cancellationToken);
        return ReadPoll(http.Response);
    }

    /// <summary>The status URL of operation <paramref name="id"/> on this resource.</summary>
    internal Uri OperationUri(string id) => Resolve($"emails/operations/{Uri.EscapeDataString(id)}");

    HttpMessage CreatePoll(Uri pollUri)
    {
        var http = pipeline.CreateMessage();
        http.Request.Method = RequestMethod.Get;
        http.Request.Uri.Reset(pollUri);
        http.Request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        return http;
    }

    static (AcsEmailSendResult, Response) ReadPoll(Response response) =>
        response.Status == 200 ? (AcsEmailSendResult.Read(response), response) : throw Failure(response, "did not report the operation status");

    /// <summary>
    /// Where to poll: the service's <c>Operation-Location</c> when it is on this resource; otherwise the
    /// documented status URL, so that a credential is never sent to another host.
    /// </summary>
    Uri PollUri(Response response, string id) =>
        response.Headers.TryGetValue("Operation-Location", out var location)
        && Uri.TryCreate(location, UriKind.Absolute, out var uri)
        && Uri.Compare(uri, endpoint, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0
            ? uri
            : OperationUri(id);

    Uri Resolve(string path) => new($"{endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{path}?api-version={ApiVersion}");

    /// <summary>An error response as an exception with the service's code and message (never the request's headers or body).</summary>
    internal static RequestFailedException Failure(Response response, string what)
    {
        string? code = null;
        string? message = null;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(response.Content.ToMemory());
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not an ErrorResponse body (e.g. a gateway's HTML page); the status and header say enough.
        }

        if (code is null && response.Headers.TryGetValue("x-ms-error-code", out var headerCode))
        {
            code = headerCode;
        }

        var text = $"ACS Email {what}: HTTP {response.Status} {response.ReasonPhrase}".TrimEnd()
            + (code is null ? "" : $", {code}")
            + (message is null ? "." : $": {message}");
        var failure = new RequestFailedException(response.Status, text, code, null);
        if (ServerDelay.From(response, TimeProvider.System) is { } delay)
        {
            // How long the service asked to wait (a 429's Retry-After), for callers that wait elsewhere.
            failure.Data[RetryAfterKey] = delay;
        }

        return failure;
    }

    /// <summary>The key of <see cref="Exception.Data"/> under which a failure carries the wait the service asked for.</summary>
    public const string RetryAfterKey = "Retry-After";

    static HttpPipeline BuildPipeline(AcsEmailClientOptions options, HttpPipelinePolicy authentication)
    {
        // The retry policy is built here, not in the options' constructor, so that Retry settings changed after
        // construction apply. Authentication runs per retry: each attempt is signed afresh.
        options.RetryPolicy ??= new AcsRetryPolicy(
            options.Retry.MaxRetries,
            options.Retry.Mode == RetryMode.Fixed
                ? DelayStrategy.CreateFixedDelayStrategy(options.Retry.Delay)
                : DelayStrategy.CreateExponentialDelayStrategy(options.Retry.Delay, options.Retry.MaxDelay),
            options.MaxRetryAfter,
            options.Clock);
        return HttpPipelineBuilder.Build(options, perCallPolicies: [], perRetryPolicies: [authentication], responseClassifier: null);
    }
}
