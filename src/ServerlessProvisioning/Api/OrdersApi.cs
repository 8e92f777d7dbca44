using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>
/// GET /api/orders/{orderId} answer: <c>organizationId</c> only once a subscription was assigned; <c>chosenOrganizationId</c>
/// for an organization chosen without one. The fields after it come from the workflow's status (absent before it
/// starts): the order, the contact the current invitation went to, the deadline of what the order waits for
/// (<c>expiresAt</c>, absent once finished), the submission, the candidates shown, the organization, the approval
/// (approvers and its deadline), the pending code's deadline, and which operator actions the API takes now.
/// Never a link token or a verification code.
/// </summary>
public sealed record OrderView(
    string OrderId,
    string RuntimeStatus,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<AuditEntry> Audit,
    string? ChosenOrganizationId = null,
    string? SubscriptionId = null,
    ProvisioningScenario? Scenario = null,
    string? ProvisioningContactEmail = null,
    DateTimeOffset? ExpiresAt = null,
    SubmissionView? Submission = null,
    MatchKind? MatchKind = null,
    IReadOnlyList<Candidate>? Candidates = null,
    string? Notice = null,
    OrganizationView? Organization = null,
    ApprovalView? Approval = null,
    VerificationView? Verification = null,
    int? InvitationGeneration = null,
    OrderActions? Actions = null);

/// <summary>
/// Which operator commands the API takes for the order now (the others answer 409): <c>remindApprovers</c> and
/// <c>moveDeadline</c> only for orders of workflow 1.2 or later; <c>reopen</c> for an order that ended Expired,
/// Rejected or Failed and left what a new run continues from.
/// </summary>
public sealed record OrderActions(bool ResendInvitation, bool Cancel, bool RemindApprovers = false, bool MoveDeadline = false, bool Reopen = false);

/// <summary>GET /api/order-counts answer: every stage, in workflow order, with how many orders it holds (at most <c>cap</c>).</summary>
public sealed record OrderCounts(IReadOnlyList<StageCount> Stages, int Cap);

/// <summary>How many orders a stage holds; <c>capped</c>: more than the cap (the count is the cap).</summary>
public sealed record StageCount(ProvisioningStage Stage, int Count, bool Capped);

/// <summary>GET /api/orders answer.</summary>
public sealed record OrderList(IReadOnlyList<OrderSummary> Items, string? ContinuationToken);

/// <summary>The resend body: optionally a new provisioning contact.</summary>
public sealed record ResendBody(string? ProvisioningContactEmail);

/// <summary>The cancel body.</summary>
public sealed record CancelBody(string Reason);

/// <summary>
/// Continuation tokens for paged lists: the storage's continuation, base64url-encoded (safe in a query string as it
/// is) and signed, so a token that this service did not hand out — forged, truncated, from another list — is a 400,
/// never a page of something else.
/// </summary>
public sealed class ContinuationTokens(LinkTokenKey key)
{
    const int TagBytes = 16;

    /// <summary>The token of a continuation, for the list named <paramref name="list"/>.</summary>
    public string Encode(string list, string continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var payload = Encoding.UTF8.GetBytes(continuation);
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(Tag(list, payload));
    }

    /// <summary>The continuation of a token this service handed out for <paramref name="list"/>; null for anything else.</summary>
    public string? Decode(string list, string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (token.Length > 4096 || dot <= 0 || !Base64Url.IsValid(token.AsSpan(0, dot)) || !Base64Url.IsValid(token.AsSpan(dot + 1)))
        {
            return null;
        }

        var payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
        var tag = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(tag, Tag(list, payload)) ? Encoding.UTF8.GetString(payload) : null;
    }

    byte[] Tag(string list, byte[] payload) =>
        System.Security.Cryptography.HMACSHA256.HashData(key.Bytes, (byte[])[.. Encoding.UTF8.GetBytes("continuation|" + list + "|"), .. payload])[..TagBytes];
}

/// <summary>The operator's order routes (operator key): list, view, resend or redirect the invitation, cancel.</summary>
public sealed partial class OrdersApi(WorkflowGateway gateway, OrderStore orders, ContinuationTokens continuationTokens, ILogger<OrdersApi> logger)
{
    /// <summary>The most orders one list page holds.</summary>
    public const int MaxPageSize = 100;

    /// <summary>The routes, for both hosts.</summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        new("ListOrders", "GET", "orders", ApiAudience.Operator,
            (HttpRequest request, OrdersApi api, CancellationToken ct) => api.ListAsync(request, ct),
            null, [400, 401],
            "Operator list, newest first, optionally one stage (?stage=); or a search through the orders index by contact (?contact=), subscription (?subscriptionId=), typed company name prefix (?company=) or open orders expiring before a time, soonest first (?expiringBefore=); one of them at a time; paged (?continuationToken=, ?pageSize= up to 100).")
        {
            Parameters =
            [
                ApiParameter.Query<ProvisioningStage>("stage", "Only the orders at this stage."),
                ApiParameter.Query<string>("contact", "The orders whose current contact is this address (its identity: case and IDN folded)."),
                ApiParameter.Query<string>("subscriptionId", "The orders of this subscription."),
                ApiParameter.Query<string>("company", "The orders whose typed company name starts with this text, folded as matching folds it."),
                ApiParameter.Query<DateTimeOffset>("expiringBefore", "Open orders whose current deadline is before this time (ISO 8601), soonest first."),
                .. ApiParameter.Paging(MaxPageSize),
            ],
        },
        new("CountOrders", "GET", "order-counts", ApiAudience.Operator,
            (OrdersApi api, CancellationToken ct) => api.CountAsync(ct),
            null, [401],
            "How many orders each stage holds, from the orders index (key-only queries, capped per stage)."),
        new("ListOrganizationOrders", "GET", "organizations/{organizationId}/orders", ApiAudience.Operator,
            (string organizationId, HttpRequest request, OrdersApi api, CancellationToken ct) => api.ListByOrganizationAsync(organizationId, request, ct),
            null, [400, 401],
            "The orders that named an organization (assigned to it or chose it), newest first, paged (?continuationToken=, ?pageSize= up to 100).")
        {
            Parameters = ApiParameter.Paging(MaxPageSize),
        },
        new("GetOrder", "GET", "orders/{orderId}", ApiAudience.Operator,
            (string orderId, OrdersApi api, DurableTaskClient client, CancellationToken ct) => api.GetAsync(orderId, client, ct),
            null, [401, 404],
            "Operator view of one order with its audit trail (x-functions-key)."),
        new("ResendInvitation", "POST", "orders/{orderId}/invitation", ApiAudience.Operator,
            (string orderId, HttpRequest request, OrdersApi api, DurableTaskClient client, CancellationToken ct) => api.ResendInvitationAsync(orderId, request, client, ct),
            typeof(ResendBody), [400, 401, 404, 409, 413, 415],
            "Resend the invitation, optionally to a new contact; the previous link stops working. Only until an organization is chosen."),
        new("CancelOrder", "POST", "orders/{orderId}/cancel", ApiAudience.Operator,
            (string orderId, HttpRequest request, OrdersApi api, DurableTaskClient client, CancellationToken ct) => api.CancelAsync(orderId, request, client, ct),
            typeof(CancelBody), [400, 401, 404, 409, 413, 415],
            "Cancel the order; the contact (and a pending approver) are told why."),
    ];

    /// <summary>GET /api/orders/{orderId}: the operator view.</summary>
    public async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetAsync(string orderId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var record = await gateway.FindOrderAsync(orderId, cancellationToken);
        if (record is null)
        {
            return WorkflowGateway.UnknownOrder(orderId);
        }

        var (metadata, status) = await gateway.ReadAsync(client, record.InstanceId, cancellationToken);
        var audit = await orders.GetAuditAsync(orderId, cancellationToken);
        // The workflow's status is the live truth; the row (written by the step's activity, a moment after the status is
        // published) only stands in while there is none. A reopened order's new run has no outcome and no organization
        // yet, whatever its row still says of the previous ending.
        var outcome = status is null ? record.Outcome : status.Outcome;
        var organizationId = status is null ? record.OrganizationId ?? record.ChosenOrganizationId : status.Organization?.OrganizationId;
        var assigned = outcome.IsAssigned();
        var stage = status?.Stage ?? record.Stage;
        var view = new OrderView(
            record.OrderId,
            metadata?.RuntimeStatus.ToString() ?? "Pending",
            stage,
            outcome,
            assigned ? organizationId : null,
            record.CreatedAt,
            metadata is null ? record.UpdatedAt : new DateTimeOffset(metadata.LastUpdatedAt.UtcDateTime, TimeSpan.Zero),
            audit,
            assigned ? null : organizationId);
        if (status is null)
        {
            return TypedResults.Ok(view);
        }

        var contact = status.ContactEmail ?? ContactFromInput(metadata?.SerializedInput);
        return TypedResults.Ok(view with
        {
            SubscriptionId = status.SubscriptionId,
            Scenario = status.Scenario,
            ProvisioningContactEmail = contact,
            ExpiresAt = stage.IsFinal() ? null : status.ExpiresAt,
            Submission = status.Submission,
            MatchKind = status.MatchKind,
            Candidates = status.Candidates,
            Notice = status.Notice,
            Organization = status.Organization,
            Approval = status.Approval,
            Verification = status.Verification,
            InvitationGeneration = status.InvitationGeneration,
            Actions = new OrderActions(
                stage.TakesInvitationResend(),
                stage.IsCancellable(),
                status.Manageable && stage == ProvisioningStage.AwaitingAdminApproval,
                status.Manageable && stage.TakesDeadlineChange(),
                stage.IsReopenable() && status.Carry is not null),
        });
    }

    // Workflows started before the status carried the contact name it only in their input; an input this version
    // cannot read leaves the contact out rather than failing the view.
    static string? ContactFromInput(string? input)
    {
        try
        {
            return input is { Length: > 0 } ? Json.Deserialize<ProvisioningInput>(input)?.Order?.ProvisioningContactEmail : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>GET /api/order-counts.</summary>
    public async Task<Ok<OrderCounts>> CountAsync(CancellationToken cancellationToken)
    {
        var (counts, capped) = await orders.CountAsync(cancellationToken);
        return TypedResults.Ok(new OrderCounts(
            Enum.GetValues<ProvisioningStage>().Select(s => new StageCount(s, counts[s], capped.Contains(s))).ToList(),
            OrderStore.CountCap));
    }

    /// <summary>GET /api/organizations/{organizationId}/orders: newest first, paged; empty for an organization no order named.</summary>
    public async Task<Results<Ok<OrderList>, ProblemHttpResult>> ListByOrganizationAsync(string organizationId, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        if (!Identifiers.IsValid(organizationId))
        {
            errors["organizationId"] = [Identifiers.Rule];
        }

        var list = "organizations/" + organizationId + "/orders";
        var (pageSize, continuation) = ReadPaging(request, list, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var (items, next) = await orders.ListByOrganizationAsync(organizationId, continuation, pageSize, cancellationToken);
            return TypedResults.Ok(new OrderList(items, next is null ? null : continuationTokens.Encode(list, next)));
        }
        catch (Azure.RequestFailedException e) when (e.Status == 400)
        {
            return Problems.Validation(new() { ["continuationToken"] = ["Use the continuationToken of the previous page as it is."] });
        }
    }

    // ?pageSize= (1 to MaxPageSize, default 50) and ?continuationToken= (one this service handed out for the list).
    (int PageSize, string? Continuation) ReadPaging(HttpRequest request, string list, Dictionary<string, string[]> errors)
    {
        var pageSize = 50;
        if (request.Query["pageSize"].ToString() is { Length: > 0 } sizeText && (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            errors["pageSize"] = [$"A whole number from 1 to {MaxPageSize}."];
        }

        string? continuation = null;
        if (request.Query["continuationToken"].ToString() is { Length: > 0 } token)
        {
            continuation = continuationTokens.Decode(list, token);
            if (continuation is null)
            {
                errors["continuationToken"] = ["Use the continuationToken of the previous page as it is."];
            }
        }

        return (pageSize, continuation);
    }

    /// <summary>The query parameters of GET /api/orders that choose what it lists; at most one at a time.</summary>
    public static IReadOnlyList<string> ListFilters { get; } = ["stage", "contact", "subscriptionId", "company", "expiringBefore"];

    /// <summary>
    /// GET /api/orders: newest first, optionally of one stage; or a search through the orders index — by contact
    /// (the same person: case, IDN), subscription, typed company name (folded prefix) or deadline (open orders expiring
    /// before a time, soonest first). One filter at a time; paged.
    /// </summary>
    public async Task<Results<Ok<OrderList>, ProblemHttpResult>> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var given = ListFilters.Where(f => request.Query[f].ToString().Length > 0).ToList();
        if (given.Count > 1)
        {
            foreach (var filter in given)
            {
                errors[filter] = [$"Give at most one of {string.Join(", ", ListFilters)}: they do not combine."];
            }

            // Every invalid field is named at once, the paging's too.
            _ = ReadPaging(request, "orders/all", errors);
            return Problems.Validation(errors);
        }

        var filterName = given.SingleOrDefault();
        var text = filterName is null ? string.Empty : request.Query[filterName].ToString();
        Func<string?, int, Task<(IReadOnlyList<OrderSummary> Items, string? ContinuationToken)>>? query = null;
        var list = "orders/all";
        switch (filterName)
        {
            case null:
                query = (continuation, size) => orders.ListAsync(null, continuation, size, cancellationToken);
                break;
            case "stage" when Json.TryParseEnum<ProvisioningStage>(text, out var stage):
                list = "orders/" + stage;
                query = (continuation, size) => orders.ListAsync(stage, continuation, size, cancellationToken);
                break;
            case "stage":
                errors["stage"] = [$"One of {string.Join(", ", Enum.GetNames<ProvisioningStage>())}."];
                break;
            case "contact":
                if (EmailAddress.TryParse(text, out var contact, out var emailError))
                {
                    list = "orders/contact/" + contact.Value;
                    query = (continuation, size) => orders.ListByContactAsync(contact.Value, continuation, size, cancellationToken);
                }
                else
                {
                    errors["contact"] = [emailError!];
                }

                break;
            case "subscriptionId" when Identifiers.IsValid(text.Trim()):
                var subscriptionId = text.Trim();
                list = "orders/subscription/" + subscriptionId;
                query = (continuation, size) => orders.ListBySubscriptionAsync(subscriptionId, continuation, size, cancellationToken);
                break;
            case "subscriptionId":
                errors["subscriptionId"] = [Identifiers.Rule];
                break;
            case "company" when text.Length <= FieldLimits.CompanyName && CompanyName.Normalize(text).Length > 0:
                list = "orders/company/" + CompanyName.Normalize(text);
                query = (continuation, size) => orders.ListByCompanyPrefixAsync(text, continuation, size, cancellationToken);
                break;
            case "company":
                errors["company"] = [$"The start of a company name: at least one letter or digit, at most {FieldLimits.CompanyName} characters."];
                break;
            case "expiringBefore" when TryParseTime(text, out var before):
                list = "orders/expiring/" + before.UtcTicks.ToString(CultureInfo.InvariantCulture);
                query = (continuation, size) => orders.ListExpiringBeforeAsync(before, continuation, size, cancellationToken);
                break;
            case "expiringBefore":
                errors["expiringBefore"] = ["An ISO 8601 time such as 2026-12-24T18:00:00Z (or with an offset, its + written %2B)."];
                break;
        }

        var (pageSize, continuation) = ReadPaging(request, list, errors);
        if (errors.Count > 0 || query is null)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var (items, next) = await query(continuation, pageSize);
            return TypedResults.Ok(new OrderList(items, next is null ? null : continuationTokens.Encode(list, next)));
        }
        catch (Azure.RequestFailedException e) when (e.Status == 400)
        {
            return Problems.Validation(new() { ["continuationToken"] = ["Use the continuationToken of the previous page as it is."] });
        }
    }

    // An ISO 8601 date, or date and time with an optional offset (none means UTC). A '+' the query string turned into
    // a space is read as the '+' it was. The deadline route reads its body's time the same way.
    internal static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        var trimmed = text.Trim();
        if (IsoTime().Match(trimmed) is not { Success: true } match)
        {
            return false;
        }

        if (match.Groups["space"].Success)
        {
            trimmed = string.Concat(trimmed.AsSpan(0, match.Groups["space"].Index), "+", trimmed.AsSpan(match.Groups["space"].Index + 1));
        }

        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2}|(?<space> )\d{2}:\d{2})?)?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex IsoTime();

    /// <summary>POST /api/orders/{orderId}/invitation: a new link, optionally to a new contact; the old link stops working.</summary>
    public async Task<Results<Accepted, ProblemHttpResult>> ResendInvitationAsync(string orderId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (contactProblem, contact) = await ReadContactAsync(request, cancellationToken);
        if (contactProblem is not null)
        {
            return contactProblem;
        }

        var (problem, workflow) = await gateway.OpenOrderAsync(orderId, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var status = workflow!.Status;
        if (!status.Stage.TakesInvitationResend())
        {
            return WorkflowGateway.WrongStage(status, "The invitation can be resent only until an organization is chosen.");
        }

        if (!await gateway.SendAsync(client, workflow, ProvisioningEvents.InvitationResendRequested, new InvitationResendRequested(status.Step, contact, OperatorIdentity.Of(request), gateway.Now), cancellationToken, byOperator: true))
        {
            return Problems.Conflict("Another operator command for this order is being applied; check the order and try again.");
        }

        logger.LogInformation("Order {OrderId}: invitation resend requested", orderId);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>
    /// The optional body of a resend or reopening, <c>{provisioningContactEmail?}</c>: the new contact, trimmed, or null
    /// to keep the current one (also for no body at all).
    /// </summary>
    internal static async Task<(ProblemHttpResult? Problem, string? Contact)> ReadContactAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is not > 0 && request.Headers.ContentType.Count == 0)
        {
            return (null, null);
        }

        var (document, bodyProblem) = await HttpBodies.ReadObjectAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return (bodyProblem, null);
        }

        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            var contact = JsonFields.Text(document!.RootElement, "provisioningContactEmail", errors, required: false, maxLength: EmailAddress.MaxLength + 20);
            if (contact is not null && !EmailAddress.TryParse(contact, out _, out var emailError))
            {
                errors["provisioningContactEmail"] = [emailError!];
            }

            return errors.Count > 0 ? (Problems.Validation(errors), null) : (null, contact?.Trim());
        }
    }

    /// <summary>POST /api/orders/{orderId}/cancel.</summary>
    public async Task<Results<Accepted, ProblemHttpResult>> CancelAsync(string orderId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (document, bodyProblem) = await HttpBodies.ReadObjectAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        string reason;
        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            reason = JsonFields.Text(document!.RootElement, "reason", errors, required: true, maxLength: FieldLimits.CancelReason)?.Trim() ?? string.Empty;
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }
        }

        var (problem, workflow) = await gateway.OpenOrderAsync(orderId, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var status = workflow!.Status;
        if (!status.Stage.IsCancellable())
        {
            return Problems.Conflict($"The order has already finished (stage {status.Stage}).");
        }

        if (!await gateway.SendAsync(client, workflow, ProvisioningEvents.CancelRequested, new CancelRequested(status.Step, reason, OperatorIdentity.Of(request), gateway.Now), cancellationToken, byOperator: true))
        {
            return Problems.Conflict("Another operator command for this order is being applied; check the order and try again.");
        }

        logger.LogInformation("Order {OrderId}: cancel requested", orderId);
        return TypedResults.Accepted((string?)null);
    }
}
