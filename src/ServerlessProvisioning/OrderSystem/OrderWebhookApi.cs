using DurableTask.Core.Exceptions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;

namespace ServerlessProvisioning.OrderSystem;

/// <summary>POST /api/orders answer.</summary>
public sealed record OrderAccepted(string OrderId, string InstanceId, string StatusUrl);

/// <summary>The order system's route: the signed webhook that starts provisioning (SPEC §3).</summary>
public sealed class OrderWebhookApi(OrderStore orders, WorkflowRelease release, IOptions<ProvisioningOptions> options, TimeProvider time, ILogger<OrderWebhookApi> logger)
{
    /// <summary>The route, for both hosts.</summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        new("PostOrder", "POST", "orders", ApiAudience.OrderSystem,
            (HttpRequest request, OrderWebhookApi api, DurableTaskClient client, CancellationToken ct) => api.PostOrderAsync(request, client, ct),
            typeof(OrderRequest), [400, 401, 409, 413, 415, 503],
            "Order webhook: starts provisioning. Signed with X-Provisioning-Signature; the same order again answers 200 with the same body.")
        {
            Parameters =
            [
                ApiParameter.Header(WebhookSignature.Header, "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" keyed with the webhook secret>; several v1= during a secret rotation. 401 when missing, wrong or more than 5 minutes off.", required: true),
            ],
        },
    ];

    ProvisioningOptions Options => options.Value;

    /// <summary>POST /api/orders: registers the order once and starts its workflow once.</summary>
    public async Task<Results<Accepted<OrderAccepted>, Ok<OrderAccepted>, ProblemHttpResult>> PostOrderAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var (body, problem) = await HttpBodies.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var check = WebhookSignature.Verify(request.Headers[WebhookSignature.Header], body, Options.OrderWebhookSecret, time.GetUtcNow());
        if (check != SignatureCheck.Valid)
        {
            logger.LogWarning(LogEvents.WebhookSignatureRejected, "Order webhook rejected: signature {Check}", check);
            return Problems.Unauthorized(check switch
            {
                SignatureCheck.Missing => $"The {WebhookSignature.Header} header is required.",
                SignatureCheck.Malformed => $"The {WebhookSignature.Header} header must be t=<unix seconds>,v1=<hex HMAC-SHA256>.",
                SignatureCheck.Stale => "The signature timestamp is more than 5 minutes from now.",
                _ => "The signature does not match the body.",
            });
        }

        if (!OrderParser.TryParse(body, out var order, out var errors))
        {
            return Problems.Validation(errors);
        }

        var instanceId = InstanceIds.ForOrder(order.OrderId);
        var now = time.GetUtcNow();
        var (registration, record) = await orders.RegisterAsync(order.OrderId, order.Fingerprint(), instanceId, now, order.SubscriptionId, order.ProvisioningContactEmail, cancellationToken, InvitationDeadline(now));
        if (registration == OrderRegistration.Conflict)
        {
            return Problems.Conflict($"Order '{order.OrderId}' was already received with a different body.");
        }

        // Exactly one delivery starts the workflow: the first one; a repeat only if the first never did (it crashed
        // after registering) and its claim has lapsed. Concurrent starts of one instance confuse the storage provider.
        var startedHere = false;
        if (registration == OrderRegistration.Created)
        {
            startedHere = await StartAsync(client, order, record, cancellationToken);
        }
        else if (!record.WorkflowStarted && !await EnsureStartedAsync(client, order, record, cancellationToken))
        {
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Starting", $"Order '{order.OrderId}' is registered and its workflow is still being started; deliver it again in a minute.");
        }

        // The instance must run this order, not another whose id led to the same instance id (a workflow this delivery
        // just created does).
        if (!startedHere && !await RunsOrderAsync(client, record.InstanceId, order.OrderId, cancellationToken))
        {
            logger.LogError("Order {OrderId}: instance {InstanceId} runs another order", order.OrderId, record.InstanceId);
            return Problems.Conflict($"Order '{order.OrderId}' cannot be started: its workflow id is taken by another order.");
        }

        var accepted = new OrderAccepted(order.OrderId, instanceId, $"{Options.PublicBaseUrl.TrimEnd('/')}/api/orders/{Uri.EscapeDataString(order.OrderId)}");
        logger.LogInformation(LogEvents.OrderReceived, "Order {OrderId} {Registration}", order.OrderId, registration);
        return registration == OrderRegistration.Created ? TypedResults.Accepted((string?)null, accepted) : TypedResults.Ok(accepted);
    }

    /// <summary>
    /// A repeated delivery of an order whose workflow is not known to exist: the delivery that registered it is
    /// starting it, or crashed after registering. Waits until the workflow exists, taking the start over once the
    /// first delivery's <see cref="OrderStore.StartLease"/> lapses; false only if that did not settle in two leases.
    /// </summary>
    async Task<bool> EnsureStartedAsync(DurableTaskClient client, OrderRequest order, OrderRecord record, CancellationToken cancellationToken)
    {
        var instanceId = record.InstanceId;
        var deadline = time.GetUtcNow() + (2 * OrderStore.StartLease);
        while (true)
        {
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
            {
                await orders.MarkStartedAsync(order.OrderId, cancellationToken);
                return true;
            }

            switch (await orders.TryClaimStartAsync(order.OrderId, time.GetUtcNow(), cancellationToken))
            {
                case StartClaim.Claimed:
                    // The first delivery may have crashed before indexing the order: index it as its row says.
                    await orders.ReindexAsync(order.OrderId, cancellationToken);
                    await StartAsync(client, order, record, cancellationToken);
                    await orders.MarkStartedAsync(order.OrderId, cancellationToken);
                    return true;
                case StartClaim.Started:
                    return true;
            }

            if (time.GetUtcNow() > deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }
    }

    static async Task<bool> RunsOrderAsync(DurableTaskClient client, string instanceId, string orderId, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        return instance?.SerializedInput is not { Length: > 0 } input || Primitives.Json.Deserialize<ProvisioningInput>(input)?.Order.OrderId == orderId;
    }

    // Whole seconds: the same in the row, the index and the workflow's input, whatever precision each keeps.
    DateTimeOffset InvitationDeadline(DateTimeOffset now)
    {
        var deadline = now + Options.InvitationLifetime;
        return new DateTimeOffset(deadline.UtcTicks - (deadline.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    // True when this call created the workflow (with the deadline the order was registered with); false when it existed.
    // The row learns that it exists from the workflow's first record (or a repeated delivery that looks).
    async Task<bool> StartAsync(DurableTaskClient client, OrderRequest order, OrderRecord record, CancellationToken cancellationToken)
    {
        var timings = new ProvisioningTimings(Options.InvitationLifetime, Options.InvitationReminder(), Options.ApprovalLifetime, Options.ApprovalReminder());
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                ProvisioningWorkflow.Name,
                new ProvisioningInput(order.ToProvisioningOrder(), timings, InvitationDeadline: record.ExpiresAt),
                release.StartOptions(record.InstanceId).WithDedupeStatuses([.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses]),
                cancellationToken);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // It exists already (a previous start got through before a crash, or another order's id led to it).
            return false;
        }
    }
}
