using System.Text.Json;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>
/// The answer to a batch of events: the subscription validation handshake's <c>validationResponse</c>, or how many
/// events came and how many failed deliveries went into an order's audit.
/// </summary>
public sealed record EmailEventsReceipt(string? ValidationResponse = null, int? Received = null, int? Recorded = null);

/// <summary>What one event of a batch asks for.</summary>
public abstract record EmailEvent
{
    /// <summary>Event Grid's subscription validation handshake: answer with its code.</summary>
    public sealed record Validation(string Code) : EmailEvent;

    /// <summary>An ACS email delivery report.</summary>
    public sealed record Report(EmailDeliveryReport Value) : EmailEvent;

    /// <summary>Any other event type: accepted and ignored.</summary>
    public sealed record Other(string Type) : EmailEvent;
}

/// <summary>
/// Azure Communication Services' email delivery reports, through an Event Grid subscription
/// (<c>Microsoft.Communication.EmailDeliveryReportReceived</c>): a failed delivery of one of our emails goes into its
/// order's audit (<see cref="EmailDeliveries"/>), so an operator sees the bounce and can redirect the invitation. Event
/// Grid schema and CloudEvents 1.0 both work, with their validation handshakes. The caller proves itself with a
/// Functions key in <c>?code=</c>, which an Event Grid webhook URL can carry (docs/email.md).
/// </summary>
public sealed class EmailEventsApi(EmailDeliveries deliveries, TimeProvider time)
{
    /// <summary>The route, relative to <c>/api</c>.</summary>
    public const string Template = "events/email-delivery";

    /// <summary>The CloudEvents webhook handshake's request header (OPTIONS).</summary>
    public const string RequestOriginHeader = "WebHook-Request-Origin";

    /// <summary>The CloudEvents webhook handshake's answer header.</summary>
    public const string AllowedOriginHeader = "WebHook-Allowed-Origin";

    const int MaxMessageId = 200;
    const int MaxStatus = 40;

    /// <summary>The routes, for both hosts.</summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        new("ReceiveEmailDeliveryEvents", "POST", Template, ApiAudience.EmailService,
            (HttpRequest request, EmailEventsApi api, CancellationToken ct) => api.ReceiveAsync(request, ct),
            typeof(JsonElement), [400, 401, 413, 415],
            "Event Grid delivers ACS email delivery reports here (Event Grid schema or CloudEvents 1.0, one event or a batch): a failed delivery of one of our emails is added to its order's audit once; an unknown message id or another event type is accepted and ignored. Answers a subscription validation event with its validationResponse."),
        new("ValidateEmailDeliveryWebhook", "OPTIONS", Template, ApiAudience.EmailService,
            (HttpRequest request) => Handshake(request),
            null, [400, 401],
            "The CloudEvents webhook validation handshake: answers WebHook-Allowed-Origin with the WebHook-Request-Origin it was sent.")
        {
            Parameters = [ApiParameter.Header(RequestOriginHeader, "Who asks to deliver events here, e.g. eventgrid.azure.net.", required: true)],
            ResponseHeaders = [new(AllowedOriginHeader, "The origin allowed to deliver events: the one that asked.", [200])],
        },
    ];

    /// <summary>POST /api/events/email-delivery.</summary>
    public async Task<Results<Ok<EmailEventsReceipt>, ProblemHttpResult>> ReceiveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, problem) = await HttpBodies.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var (events, errors) = Parse(body!);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors, "The body is not a batch of Event Grid events or CloudEvents this endpoint can read; see errors.");
        }

        if (events.OfType<EmailEvent.Validation>().FirstOrDefault() is { } validation)
        {
            return TypedResults.Ok(new EmailEventsReceipt(ValidationResponse: validation.Code));
        }

        var recorded = 0;
        var now = time.GetUtcNow();
        foreach (var report in events.OfType<EmailEvent.Report>())
        {
            if (await deliveries.ApplyAsync(report.Value, now, cancellationToken) == DeliveryReportOutcome.Recorded)
            {
                recorded++;
            }
        }

        return TypedResults.Ok(new EmailEventsReceipt(Received: events.Count, Recorded: recorded));
    }

    /// <summary>OPTIONS /api/events/email-delivery: the CloudEvents 1.0 webhook handshake (abuse protection).</summary>
    public static Results<Ok, ProblemHttpResult> Handshake(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = request.Headers[RequestOriginHeader].ToString().Trim();
        if (origin.Length is 0 or > 255 || origin.Any(char.IsControl))
        {
            return Problems.Validation(new() { [RequestOriginHeader] = ["The CloudEvents handshake sends the origin that asks, e.g. eventgrid.azure.net."] });
        }

        request.HttpContext.Response.Headers[AllowedOriginHeader] = origin;
        return TypedResults.Ok();
    }

    /// <summary>
    /// Reads a batch: a JSON array of events or one event, each in the Event Grid schema or as a CloudEvent (it has
    /// <c>specversion</c>). Every problem is reported by the event's index, never as an exception.
    /// </summary>
    public static (IReadOnlyList<EmailEvent> Events, Dictionary<string, string[]> Errors) Parse(ReadOnlySpan<byte> body)
    {
        var events = new List<EmailEvent>();
        var errors = new Dictionary<string, string[]>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            errors["body"] = ["The body is not valid JSON."];
            return (events, errors);
        }

        using (document)
        {
            var root = document.RootElement;
            var items = root.ValueKind switch
            {
                JsonValueKind.Array => root.EnumerateArray().ToList(),
                JsonValueKind.Object => [root],
                _ => null,
            };
            if (items is null || items.Count == 0)
            {
                errors["body"] = ["The body must be an event or a non-empty array of events."];
                return (events, errors);
            }

            for (var i = 0; i < items.Count; i++)
            {
                var at = $"[{i}]";
                if (items[i].ValueKind != JsonValueKind.Object)
                {
                    errors[at] = ["An event is a JSON object."];
                    continue;
                }

                try
                {
                    var read = items[i].TryGetProperty("specversion", out _) ? ReadCloudEvent(items[i]) : ReadEventGridEvent(items[i]);
                    if (read.Error is { } error)
                    {
                        errors[at] = [error];
                    }
                    else
                    {
                        events.Add(read.Event!);
                    }
                }
                catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or JsonException or KeyNotFoundException)
                {
                    // The SDK's parsers throw these for a missing or mistyped member; the message names the member, never a secret.
                    errors[at] = ["Not an event this endpoint can read: it lacks a member the schema requires or holds one of the wrong type."];
                }
            }
        }

        return (events, errors);
    }

    static (EmailEvent? Event, string? Error) ReadEventGridEvent(JsonElement element)
    {
        var e = EventGridEvent.Parse(BinaryData.FromString(element.GetRawText()));
        if (e.EventType == SystemEventNames.EventGridSubscriptionValidation)
        {
            return e.TryGetSystemEventData(out var data) && data is SubscriptionValidationEventData { ValidationCode: { Length: > 0 and <= 200 } code }
                ? (new EmailEvent.Validation(code), null)
                : (null, "A subscription validation event carries data.validationCode.");
        }

        return e.EventType == SystemEventNames.AcsEmailDeliveryReportReceived ? Report(e.Data) : (new EmailEvent.Other(e.EventType), null);
    }

    static (EmailEvent? Event, string? Error) ReadCloudEvent(JsonElement element)
    {
        var e = CloudEvent.Parse(BinaryData.FromString(element.GetRawText())) ?? throw new JsonException("No event.");
        return e.Type == SystemEventNames.AcsEmailDeliveryReportReceived ? Report(e.Data) : (new EmailEvent.Other(e.Type), null);
    }

    // The report's data, read here rather than through the SDK's model: that model skips members of the wrong type
    // instead of failing (a number for a status would pass as no status), and reads the attempt's time only as
    // "deliveryAttemptTimeStamp", as ACS sends it, while its own documentation spells it "deliveryAttemptTimestamp".
    static (EmailEvent? Event, string? Error) Report(BinaryData? data)
    {
        using var document = data is null ? null : JsonDocument.Parse(data.ToMemory(), new JsonDocumentOptions { MaxDepth = 16 });
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root)
        {
            return (null, "A delivery report carries data, an object.");
        }

        var messageId = Text(root, "messageId");
        var status = Text(root, "status");
        if (messageId is null || messageId.Length is 0 or > MaxMessageId || messageId.Any(char.IsControl))
        {
            return (null, $"A delivery report carries data.messageId: the id the email was sent under (at most {MaxMessageId} characters).");
        }

        if (status is null || status.Length is 0 or > MaxStatus || !status.All(char.IsAsciiLetter))
        {
            return (null, "A delivery report carries data.status, a word such as Delivered, Bounced or Failed.");
        }

        DateTimeOffset? attempted = null;
        foreach (var name in (string[])["deliveryAttemptTimeStamp", "deliveryAttemptTimestamp"])
        {
            if (root.TryGetProperty(name, out var time) && time.ValueKind != JsonValueKind.Null)
            {
                if (time.ValueKind != JsonValueKind.String || !time.TryGetDateTimeOffset(out var at))
                {
                    return (null, $"data.{name} is an ISO 8601 time.");
                }

                attempted = at;
            }
        }

        var details = root.TryGetProperty("deliveryStatusDetails", out var d) && d.ValueKind == JsonValueKind.Object ? Text(d, "statusMessage") : null;
        return (new EmailEvent.Report(new EmailDeliveryReport(messageId, status, Text(root, "recipient"), details, attempted)), null);
    }

    static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
