using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessProvisioning.Api;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// ACS email delivery reports from Event Grid (<see cref="EmailEventsApi"/>). <c>AuthorizationLevel.Function</c>: the
/// subscription's webhook URL carries a function key as <c>?code=</c>, which the Functions host checks before this runs
/// (the deploy hook creates the key and the subscription, docs/email.md).
/// </summary>
public sealed class EmailEventFunctions(EmailEventsApi events)
{
    [Function("ReceiveEmailDeliveryEvents")]
    public async Task<IResult> ReceiveEmailDeliveryEvents(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/" + EmailEventsApi.Template)] HttpRequest request) =>
        await events.ReceiveAsync(request, request.HttpContext.RequestAborted);

    [Function("ValidateEmailDeliveryWebhook")]
    public static IResult ValidateEmailDeliveryWebhook(
        [HttpTrigger(AuthorizationLevel.Function, "options", Route = "api/" + EmailEventsApi.Template)] HttpRequest request) =>
        EmailEventsApi.Handshake(request);
}
