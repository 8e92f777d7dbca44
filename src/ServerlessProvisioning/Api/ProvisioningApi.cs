using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Api;

/// <summary>POST /api/orders answer.</summary>
public sealed record OrderAccepted(string OrderId, string InstanceId, string StatusUrl);

/// <summary>GET /api/orders/{orderId} answer.</summary>
public sealed record OrderView(
    string OrderId,
    string RuntimeStatus,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<AuditEntry> Audit);

/// <summary>GET /api/orders answer.</summary>
public sealed record OrderList(IReadOnlyList<OrderSummary> Items, string? ContinuationToken);

/// <summary>Continuation tokens travel base64url-encoded, so they are safe in a query string as they are.</summary>
public static class ContinuationTokens
{
    /// <summary>Encodes the storage's continuation.</summary>
    public static string Encode(string continuation) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(continuation)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes a token; null when it is not one of ours.</summary>
    public static string? Decode(string token)
    {
        if (token.Length > 2048 || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }

        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>The pending (or decided) approval as the wizard shows it; the comment is the approver's reason.</summary>
public sealed record WizardApproval(string OrganizationName, DateTimeOffset ExpiresAt, string? Decision, string? Comment = null, DateTimeOffset? DecidedAt = null);

/// <summary>GET /api/wizard/{token} answer (SPEC §3).</summary>
public sealed record WizardState(
    string OrderId,
    string SubscriptionId,
    ProvisioningScenario Scenario,
    ProvisioningStage Stage,
    DateTimeOffset ExpiresAt,
    SubmissionView? Submission,
    MatchKind? MatchKind,
    IReadOnlyList<Candidate>? Candidates,
    OrganizationView? Organization,
    ProvisioningOutcome? Outcome,
    string? Notice,
    WizardApproval? Approval,
    string Language);

/// <summary>An organization reference.</summary>
public sealed record OrganizationRef(string Id, string Name);

/// <summary>GET /api/approvals/{token} answer (SPEC §3).</summary>
public sealed record ApprovalState(
    string OrderId,
    string SubscriptionId,
    OrganizationRef Organization,
    string RequestedAdminEmail,
    string CompanyName,
    string RequestedBy,
    ProvisioningScenario Scenario,
    ProvisioningStage Stage,
    DateTimeOffset ExpiresAt,
    string? Decision,
    string Language);

/// <summary>
/// The HTTP API of SPEC §3, written once: both hosts map their routes onto these handlers, which parse and
/// validate, talk to the workflow through <see cref="DurableTaskClient"/>, and map results to status codes.
/// </summary>
public sealed class ProvisioningApi(
    OrderStore orders,
    LinkTokens tokens,
    IOptions<ProvisioningOptions> options,
    TimeProvider time,
    ILogger<ProvisioningApi> logger)
{
    /// <summary>How long a wizard command waits for the workflow's next state before answering 202.</summary>
    public static readonly TimeSpan CommandWait = TimeSpan.FromSeconds(5);

    ProvisioningOptions Options => options.Value;

    /// <summary>POST /api/orders: the signed order webhook.</summary>
    public async Task<IResult> PostOrderAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
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
            logger.LogWarning("Order webhook rejected: signature {Check}", check);
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
        var (registration, record) = await orders.RegisterAsync(order, instanceId, time.GetUtcNow(), cancellationToken);
        if (registration == OrderRegistration.Conflict)
        {
            return Problems.Conflict($"Order '{order.OrderId}' was already received with a different body.");
        }

        // Exactly one delivery starts the workflow: the first one; a repeat only if the first never did (it crashed
        // after registering) and its claim has lapsed. Concurrent starts of one instance confuse the storage provider.
        if (registration == OrderRegistration.Created)
        {
            await StartAsync(client, order, instanceId, cancellationToken);
        }
        else if (!record.WorkflowStarted && !await EnsureStartedAsync(client, order, instanceId, cancellationToken))
        {
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Starting", $"Order '{order.OrderId}' is registered and its workflow is still being started; deliver it again in a minute.");
        }

        var accepted = new OrderAccepted(order.OrderId, instanceId, $"{Options.PublicBaseUrl.TrimEnd('/')}/api/orders/{Uri.EscapeDataString(order.OrderId)}");
        logger.LogInformation("Order {OrderId} {Registration}", order.OrderId, registration);
        return registration == OrderRegistration.Created
            ? Results.Json(accepted, Json.Options, statusCode: StatusCodes.Status202Accepted)
            : Results.Json(accepted, Json.Options, statusCode: StatusCodes.Status200OK);
    }

    /// <summary>
    /// A repeated delivery of an order whose workflow is not known to exist: the delivery that registered it is
    /// starting it, or crashed after registering. Waits until the workflow exists, taking the start over once the
    /// first delivery's <see cref="OrderStore.StartLease"/> lapses; false only if that did not settle in two leases.
    /// </summary>
    async Task<bool> EnsureStartedAsync(DurableTaskClient client, OrderRequest order, string instanceId, CancellationToken cancellationToken)
    {
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
                    await StartAsync(client, order, instanceId, cancellationToken);
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

    async Task StartAsync(DurableTaskClient client, OrderRequest order, string instanceId, CancellationToken cancellationToken)
    {
        var timings = new ProvisioningTimings(Options.InvitationLifetime, Options.InvitationReminderBefore, Options.ApprovalLifetime, Options.ApprovalReminderBefore);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                ProvisioningWorkflow.Name,
                new ProvisioningInput(order, timings),
                new StartOrchestrationOptions(instanceId).WithDedupeStatuses([.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses]),
                cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException || e.GetType().Name.Contains("AlreadyExists", StringComparison.Ordinal) || e.InnerException?.GetType().Name.Contains("AlreadyExists", StringComparison.Ordinal) == true)
        {
            // It exists already (a previous start got through before a crash).
        }

        await orders.MarkStartedAsync(order.OrderId, cancellationToken);
    }

    /// <summary>GET /api/orders/{orderId}: the operator view.</summary>
    public async Task<IResult> GetOrderAsync(string orderId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var record = orderId.Length <= OrderParser.MaxIdLength ? await orders.GetAsync(orderId, cancellationToken) : null;
        if (record is null)
        {
            return Problems.NotFound($"No order '{Truncate(orderId)}'.");
        }

        var (metadata, status) = await ReadStatusAsync(client, record.InstanceId, cancellationToken);
        var audit = await orders.GetAuditAsync(orderId, cancellationToken);
        var view = new OrderView(
            record.OrderId,
            metadata?.RuntimeStatus.ToString() ?? "Pending",
            status?.Stage ?? record.Stage,
            status?.Outcome ?? record.Outcome,
            status?.Organization?.OrganizationId ?? record.OrganizationId,
            record.CreatedAt,
            metadata is null ? record.UpdatedAt : new DateTimeOffset(metadata.LastUpdatedAt.UtcDateTime, TimeSpan.Zero),
            audit);
        return Results.Json(view, Json.Options);
    }

    /// <summary>The most orders one list page holds.</summary>
    public const int MaxPageSize = 100;

    /// <summary>GET /api/orders: newest first, optionally of one stage, paged.</summary>
    public async Task<IResult> ListOrdersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        ProvisioningStage? stage = null;
        if (request.Query["stage"].ToString() is { Length: > 0 } stageText)
        {
            if (Json.TryParseEnum<ProvisioningStage>(stageText, out var parsed))
            {
                stage = parsed;
            }
            else
            {
                errors["stage"] = [$"One of {string.Join(", ", Enum.GetNames<ProvisioningStage>())}."];
            }
        }

        var pageSize = 50;
        if (request.Query["pageSize"].ToString() is { Length: > 0 } sizeText && (!int.TryParse(sizeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            errors["pageSize"] = [$"A whole number from 1 to {MaxPageSize}."];
        }

        string? continuation = null;
        if (request.Query["continuationToken"].ToString() is { Length: > 0 } token)
        {
            continuation = ContinuationTokens.Decode(token);
            if (continuation is null)
            {
                errors["continuationToken"] = ["Use the continuationToken of the previous page as it is."];
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var (items, next) = await orders.ListAsync(stage, continuation, pageSize, cancellationToken);
            return Results.Json(new OrderList(items, next is null ? null : ContinuationTokens.Encode(next)), Json.Options);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 400)
        {
            return Problems.Validation(new() { ["continuationToken"] = ["Use the continuationToken of the previous page as it is."] });
        }
    }

    /// <summary>POST /api/orders/{orderId}/invitation: a new link, optionally to a new contact; the old link stops working.</summary>
    public async Task<IResult> ResendInvitationAsync(string orderId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        string? contact = null;
        if (request.ContentLength is > 0 || request.Headers.ContentType.Count > 0)
        {
            var (document, bodyProblem) = await HttpBodies.ReadObjectAsync(request, cancellationToken);
            if (bodyProblem is not null)
            {
                return bodyProblem;
            }

            using (document)
            {
                var errors = new Dictionary<string, string[]>();
                contact = JsonFields.Text(document!.RootElement, "provisioningContactEmail", errors, required: false, maxLength: EmailAddress.MaxLength + 20);
                if (contact is not null && !EmailAddress.TryParse(contact, out _, out var emailError))
                {
                    errors["provisioningContactEmail"] = [emailError!];
                }

                if (errors.Count > 0)
                {
                    return Problems.Validation(errors);
                }
            }
        }

        var (problem, record, status) = await OpenOrderAsync(orderId, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (status!.Stage is not (ProvisioningStage.InvitationSent or ProvisioningStage.AwaitingOrganizationChoice))
        {
            return WrongStage(status, "The invitation can be resent only until an organization is chosen.");
        }

        if (!await orders.ClaimStepAsync(orderId, status.Step, time.GetUtcNow(), cancellationToken))
        {
            return Problems.Conflict("Someone answered this step at the same time; check the order and try again.");
        }

        await client.RaiseEventAsync(record!.InstanceId, ProvisioningEvents.InvitationResendRequested, new InvitationResendRequested(status.Step, contact?.Trim(), OperatorIdentity.Of(request), time.GetUtcNow()), cancellationToken);
        logger.LogInformation("Order {OrderId}: invitation resend requested", orderId);
        return Results.Accepted();
    }

    /// <summary>POST /api/orders/{orderId}/cancel.</summary>
    public async Task<IResult> CancelAsync(string orderId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var (document, bodyProblem) = await HttpBodies.ReadObjectAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        string reason;
        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            reason = JsonFields.Text(document!.RootElement, "reason", errors, required: true, maxLength: 500)?.Trim() ?? string.Empty;
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }
        }

        var (problem, record, status) = await OpenOrderAsync(orderId, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (status!.Stage.IsFinal() || status.Stage is ProvisioningStage.Assigning)
        {
            return Problems.Conflict($"The order has already finished (stage {status.Stage}).");
        }

        if (!await orders.ClaimStepAsync(orderId, status.Step, time.GetUtcNow(), cancellationToken))
        {
            return Problems.Conflict("Someone answered this step at the same time; check the order and try again.");
        }

        await client.RaiseEventAsync(record!.InstanceId, ProvisioningEvents.CancelRequested, new CancelRequested(status.Step, reason, OperatorIdentity.Of(request), time.GetUtcNow()), cancellationToken);
        logger.LogInformation("Order {OrderId}: cancel requested", orderId);
        return Results.Accepted();
    }

    async Task<(IResult? Problem, OrderRecord? Record, ProvisioningStatus? Status)> OpenOrderAsync(string orderId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var record = orderId.Length <= OrderParser.MaxIdLength ? await orders.GetAsync(orderId, cancellationToken) : null;
        if (record is null)
        {
            return (Problems.NotFound($"No order '{Truncate(orderId)}'."), null, null);
        }

        var (_, status) = await ReadStatusAsync(client, record.InstanceId, cancellationToken);
        return status is null
            ? (Problems.Conflict("The order's workflow has not started yet; try again in a moment."), null, null)
            : (null, record, status);
    }

    /// <summary>GET /api/wizard/{token}.</summary>
    public async Task<IResult> GetWizardAsync(string token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, _, status) = await OpenAsync(token, TokenKind.Wizard, client, cancellationToken);
        return problem ?? Results.Json(ToWizardState(status!), Json.Options);
    }

    /// <summary>POST /api/wizard/{token}/submission.</summary>
    public async Task<IResult> PostSubmissionAsync(string token, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (problem, record, status, document) = await OpenCommandAsync(token, TokenKind.Wizard, request, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            var companyName = JsonFields.Text(document!.RootElement, "companyName", errors, required: true, maxLength: CompanyName.MaxLength);
            var adminEmail = JsonFields.Text(document.RootElement, "adminEmail", errors, required: true, maxLength: EmailAddress.MaxLength + 20);
            if (!SubmissionValidator.TryCreate(companyName, adminEmail, out _, out var ruleErrors))
            {
                // Every field's problem at once: shape errors first, then what the rules say about the rest.
                foreach (var (field, messages) in ruleErrors)
                {
                    errors.TryAdd(field, messages);
                }
            }

            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }

            if (status!.Stage != ProvisioningStage.InvitationSent)
            {
                return WrongStage(status, "The company details were already submitted.");
            }

            return await CommandAsync(record!, status, client, ProvisioningEvents.WizardSubmitted, new WizardSubmitted(status.Step, companyName!.Trim(), adminEmail!.Trim(), time.GetUtcNow()), cancellationToken);
        }
    }

    /// <summary>POST /api/wizard/{token}/choice.</summary>
    public async Task<IResult> PostChoiceAsync(string token, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (problem, record, status, document) = await OpenCommandAsync(token, TokenKind.Wizard, request, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var root = document!.RootElement;
            var errors = new Dictionary<string, string[]>();
            var organizationId = JsonFields.Text(root, "organizationId", errors, required: false, maxLength: 400);
            var createNew = false;
            if (root.TryGetProperty("createNew", out var createElement) && createElement.ValueKind != JsonValueKind.Null)
            {
                if (createElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors["createNew"] = ["Must be true or false."];
                }
                else
                {
                    createNew = createElement.GetBoolean();
                }
            }

            if (errors.Count == 0 && createNew == (organizationId is not null))
            {
                errors["organizationId"] = ["Send either organizationId or createNew: true."];
            }

            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }

            if (status!.Stage != ProvisioningStage.AwaitingOrganizationChoice)
            {
                return WrongStage(status, "There is no organization choice to make now.");
            }

            if (organizationId is not null)
            {
                var candidate = status.Candidates?.FirstOrDefault(c => c.OrganizationId == organizationId);
                if (candidate is null)
                {
                    return Problems.Validation(new() { ["organizationId"] = ["Not one of the candidates offered."] }, "Choose one of the listed organizations or create a new one.");
                }

                var needsApproval = status.MatchKind != Matching.MatchKind.AdminOfSeveral
                    && NewAdminPolicy.Decide(status.Scenario, false, candidate.FullAdmins.Any(a => a.Email == status.Submission?.AdminEmail)) == NewAdminAction.RequireApproval;
                if (needsApproval && candidate.FullAdmins.Count == 0)
                {
                    return Problems.Validation(new() { ["organizationId"] = ["This organization has no full administrator who could approve a new administrator."] }, "Choose another organization or create a new one.");
                }
            }

            return await CommandAsync(record!, status, client, ProvisioningEvents.OrganizationChosen, new OrganizationChosen(status.Step, organizationId, createNew, time.GetUtcNow()), cancellationToken);
        }
    }

    /// <summary>GET /api/approvals/{token}.</summary>
    public async Task<IResult> GetApprovalAsync(string token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, _, status) = await OpenAsync(token, TokenKind.Approval, client, cancellationToken);
        return problem ?? Results.Json(ToApprovalState(status!), Json.Options);
    }

    /// <summary>POST /api/approvals/{token}.</summary>
    public async Task<IResult> PostApprovalAsync(string token, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (problem, record, status, document) = await OpenCommandAsync(token, TokenKind.Approval, request, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            var decision = JsonFields.Text(document!.RootElement, "decision", errors, required: true, maxLength: 20);
            var comment = JsonFields.Text(document.RootElement, "comment", errors, required: false, maxLength: 1000);
            if (decision is not null && decision is not ("approve" or "reject"))
            {
                errors["decision"] = ["Either \"approve\" or \"reject\"."];
            }

            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }

            if (status!.Stage != ProvisioningStage.AwaitingAdminApproval || status.Approval?.Decision is not null)
            {
                return WrongStage(status, "This request was already decided or is no longer pending.");
            }

            var decided = new ApprovalDecided(status.Step, decision == "approve", comment?.Trim(), record!.Holder ?? "approver", time.GetUtcNow());
            var claimed = await orders.ClaimStepAsync(record.OrderId, status.Step, time.GetUtcNow(), cancellationToken);
            if (!claimed)
            {
                return Problems.Conflict("This request was already decided.");
            }

            await client.RaiseEventAsync(record.InstanceId, ProvisioningEvents.ApprovalDecided, decided, cancellationToken);
            return Results.Json(ToApprovalState(status with { Approval = status.Approval! with { Decision = decision == "approve" ? "approved" : "rejected" } }), Json.Options, statusCode: StatusCodes.Status202Accepted);
        }
    }

    // Finds the token's workflow and its status: 404 unknown (or the other kind of token), 410 expired, replaced or ended without assignment.
    async Task<(IResult? Problem, TokenRecord? Record, ProvisioningStatus? Status)> OpenAsync(string token, TokenKind kind, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var now = time.GetUtcNow();
        var (lookup, record) = await tokens.FindAsync(token, kind, now, cancellationToken);
        if (lookup == TokenLookup.Unknown)
        {
            return (Problems.NotFound("This link is not valid. Check that you copied it whole, or ask for a new one."), null, null);
        }

        if (lookup == TokenLookup.Gone)
        {
            return (Problems.Gone("This link was replaced by a newer one. Use the most recent email you received.", "replaced"), null, null);
        }

        var (_, status) = await ReadStatusAsync(client, record!.InstanceId, cancellationToken);
        if (status is null)
        {
            return (Problems.NotFound("This link is not valid any more."), null, null);
        }

        if (status.Stage is ProvisioningStage.Expired or ProvisioningStage.Cancelled || (!status.Stage.IsFinal() && now > record.ExpiresAt))
        {
            return status.Stage == ProvisioningStage.Cancelled
                ? (Problems.Gone("This provisioning was cancelled, so the link no longer works.", "cancelled"), null, null)
                : (Problems.Gone("This link has expired. Ask whoever placed the order for a new invitation.", "expired"), null, null);
        }

        return (null, record, status);
    }

    // A command's prologue: its token (404/410), then its JSON body (400/413/415).
    async Task<(IResult? Problem, TokenRecord? Record, ProvisioningStatus? Status, JsonDocument? Body)> OpenCommandAsync(string token, TokenKind kind, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, record, status) = await OpenAsync(token, kind, client, cancellationToken);
        if (problem is not null)
        {
            return (problem, null, null, null);
        }

        var (document, bodyProblem) = await HttpBodies.ReadObjectAsync(request, cancellationToken);
        return bodyProblem is not null ? (bodyProblem, null, null, null) : (null, record, status, document);
    }

    async Task<IResult> CommandAsync<T>(TokenRecord record, ProvisioningStatus status, DurableTaskClient client, string eventName, T command, CancellationToken cancellationToken)
    {
        if (!await orders.ClaimStepAsync(record.OrderId, status.Step, time.GetUtcNow(), cancellationToken))
        {
            return Problems.Conflict("Someone already answered this step; reload to see where it stands.");
        }

        await client.RaiseEventAsync(record.InstanceId, eventName, command, cancellationToken);

        // The person is waiting: give the workflow a few seconds to reach its next stage, so the answer usually carries it.
        var deadline = time.GetUtcNow() + CommandWait;
        var current = status;
        var delay = TimeSpan.FromMilliseconds(50);
        while (time.GetUtcNow() < deadline)
        {
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 250));
            var (_, latest) = await ReadStatusAsync(client, record.InstanceId, cancellationToken);
            if (latest is not null)
            {
                current = latest;
                if (latest.Step > status.Step || latest.Stage.IsFinal())
                {
                    return Results.Json(ToWizardState(latest), Json.Options);
                }
            }
        }

        return Results.Json(ToWizardState(current), Json.Options, statusCode: StatusCodes.Status202Accepted);
    }

    static IResult WrongStage(ProvisioningStatus status, string detail) =>
        Problems.Create(StatusCodes.Status409Conflict, "Wrong stage", $"{detail} The provisioning is now at stage {status.Stage}.");

    static async Task<(OrchestrationMetadata? Metadata, ProvisioningStatus? Status)> ReadStatusAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken)
    {
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (metadata?.SerializedCustomStatus is not { Length: > 0 } json)
        {
            return (metadata, null);
        }

        return (metadata, Json.Deserialize<ProvisioningStatus>(json));
    }

    static WizardState ToWizardState(ProvisioningStatus s) => new(
        s.OrderId,
        s.SubscriptionId,
        s.Scenario,
        s.Stage,
        s.ExpiresAt,
        s.Submission,
        s.MatchKind,
        s.Candidates,
        s.Organization,
        s.Outcome,
        s.Notice,
        s.Approval is { } a ? new WizardApproval(a.OrganizationName, a.ExpiresAt, a.Decision, a.Comment, a.DecidedAt) : null,
        s.Language);

    static ApprovalState ToApprovalState(ProvisioningStatus s)
    {
        var a = s.Approval!;
        return new ApprovalState(s.OrderId, s.SubscriptionId, new OrganizationRef(a.OrganizationId, a.OrganizationName), a.RequestedAdminEmail, s.Submission?.CompanyName ?? string.Empty, a.RequestedBy, s.Scenario, s.Stage, a.ExpiresAt, a.Decision, s.Language);
    }

    static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
