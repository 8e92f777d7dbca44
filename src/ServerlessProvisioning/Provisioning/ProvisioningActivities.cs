using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning;

/// <summary>Sends the invitation (or its reminder) for one invitation generation, revoking the previous generation's link.</summary>
public sealed record InvitationRequest(
    string OrderId,
    string InstanceId,
    string SubscriptionId,
    ProvisioningScenario Scenario,
    string ContactEmail,
    int Generation,
    DateTimeOffset ExpiresAt,
    string Language,
    bool IsReminder,
    string? PreviousContactEmail = null);

/// <summary>A submission to match.</summary>
public sealed record MatchRequest(string CompanyName, string AdminEmail);

/// <summary>A fresh look at the chosen organization, right before the new-admin policy applies.</summary>
public sealed record InspectRequest(string OrganizationId, string AdminEmail);

/// <summary>What the policy needs to know about the chosen organization.</summary>
public sealed record OrganizationCheck(bool Exists, string Name, OrganizationType Type, bool AdminIsFullAdmin, IReadOnlyList<AdminContact> FullAdmins);

/// <summary>An organization to create for the subscription.</summary>
public sealed record NewOrganization(string OrganizationId, string Name, OrganizationType Type, string AdminEmail, DateTimeOffset CreatedAt);

/// <summary>Assigns the subscription to an organization (creating it first when asked).</summary>
public sealed record AssignRequest(string OrderId, string SubscriptionId, string OrganizationId, NewOrganization? Create);

/// <summary>Makes an address a full admin of an organization (after the existing admin approved).</summary>
public sealed record AddAdministratorRequest(string OrganizationId, string Email);

/// <summary>Emails the approval request (or reminder) to every full admin, each with a link of their own.</summary>
public sealed record ApprovalMailRequest(
    string OrderId,
    string InstanceId,
    string SubscriptionId,
    ProvisioningScenario Scenario,
    string ContactEmail,
    string CompanyName,
    string RequestedAdminEmail,
    string OrganizationId,
    string OrganizationName,
    IReadOnlyList<string> Approvers,
    int Round,
    DateTimeOffset ExpiresAt,
    string Language,
    bool IsReminder);

/// <summary>PartnerForCustomer: asks the existing full admins to add the new admin.</summary>
public sealed record AddAdminMailRequest(
    string OrderId,
    string InstanceId,
    string SubscriptionId,
    ProvisioningScenario Scenario,
    string OrganizationName,
    string RequestedAdminEmail,
    IReadOnlyList<string> Admins,
    string Language);

/// <summary>Tells the contact (and, when cancelling a pending approval, the approvers) how it ended.</summary>
public sealed record OutcomeMailRequest(
    string OrderId,
    string InstanceId,
    string SubscriptionId,
    ProvisioningScenario Scenario,
    string ContactEmail,
    int InvitationGeneration,
    ProvisioningOutcome Outcome,
    string? OrganizationName,
    string? RequestedAdminEmail,
    string? Reason,
    string Language,
    IReadOnlyList<string> AlsoNotify);

/// <summary>Records a stage change and audit entries; <see cref="Sequence"/> (the last audit sequence) orders progress records.</summary>
public sealed record ProgressRequest(
    string OrderId,
    int Sequence,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    IReadOnlyList<AuditEntry> Audit,
    DateTimeOffset At);

/// <summary>A finished order, reported to the order system's callback (issue: operating).</summary>
public sealed record CallbackRequest(
    string OrderId,
    string SubscriptionId,
    ProvisioningStage Stage,
    ProvisioningOutcome? Outcome,
    string? OrganizationId,
    DateTimeOffset FinishedAt,
    string DeliveryId);

/// <summary>The order system's callback answered something other than 2xx.</summary>
public sealed class CallbackFailedException(string message) : Exception(message);

/// <summary>
/// The workflow's side effects, written once and called by both hosts' activity triggers. Each may run more
/// than once: emails carry idempotency keys, tokens are derived (the same on every run), storage writes are
/// upserts keyed by order, organization and subscription.
/// </summary>
public sealed class ProvisioningActivities(
    OrganizationStore organizations,
    OrganizationMatcher matcher,
    LinkTokens tokens,
    OrderStore orders,
    IEmailSender email,
    IOptions<ProvisioningOptions> options,
    IHttpClientFactory httpClients,
    TimeProvider time,
    ILogger<ProvisioningActivities> logger)
{
    /// <summary>The named HTTP client the callback uses.</summary>
    public const string CallbackClient = "order-callback";

    /// <summary>Issues the wizard link of this generation and emails it.</summary>
    public async Task SendInvitationAsync(InvitationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Generation > 1 && !request.IsReminder)
        {
            await tokens.RevokeAsync(TokenKind.Wizard, request.InstanceId, request.Generation - 1, request.PreviousContactEmail ?? request.ContactEmail, cancellationToken);
        }

        var token = await tokens.IssueAsync(TokenKind.Wizard, request.OrderId, request.InstanceId, request.Generation, request.ContactEmail, request.ExpiresAt, cancellationToken);
        var link = Links.Wizard(options.Value.PublicBaseUrl, token);
        var kind = request.IsReminder ? EmailKind.InvitationReminder : EmailKind.Invitation;
        var content = EmailComposer.Compose(kind, new EmailFacts(request.OrderId, request.SubscriptionId, request.Scenario, request.ContactEmail, request.ExpiresAt, link), request.Language);
        await email.SendAsync(
            new OutgoingEmail($"{request.InstanceId}/{kind}/{request.Generation}", kind, request.OrderId, new EmailRecipient(request.ContactEmail), content.Subject, content.PlainText, content.Html, new EmailLinks(Wizard: link, WizardToken: token)),
            cancellationToken);
        logger.LogInformation("Order {OrderId}: {Kind} generation {Generation} sent", request.OrderId, kind, request.Generation);
    }

    /// <summary>Runs Rule A / Rule B over the stored organizations.</summary>
    public async Task<MatchResult> MatchAsync(MatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!SubmissionValidator.TryCreate(request.CompanyName, request.AdminEmail, out var submission, out _))
        {
            // The HTTP layer validated it; a stored event that no longer validates matches nothing rather than widening.
            return new MatchResult(MatchKind.Candidates, [], null);
        }

        var result = await matcher.MatchAsync(submission, cancellationToken);
        logger.LogInformation("Matched by {Kind} with {Count} candidates", result.Kind, result.Candidates.Count);
        return result;
    }

    /// <summary>Reads the chosen organization afresh.</summary>
    public async Task<OrganizationCheck> InspectAsync(InspectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var summary = await organizations.GetSummaryAsync(request.OrganizationId, cancellationToken);
        if (summary is null)
        {
            return new OrganizationCheck(false, string.Empty, OrganizationType.Customer, false, []);
        }

        var email = EmailAddress.Normalize(request.AdminEmail);
        return new OrganizationCheck(true, summary.Name, summary.Type, summary.FullAdmins.Any(a => a.Email == email), summary.FullAdmins);
    }

    /// <summary>Creates the organization when asked, then adds the subscription to it; both idempotent.</summary>
    public async Task AssignAsync(AssignRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Create is { } create)
        {
            await organizations.CreateAsync(create.OrganizationId, create.Name, create.Type, create.CreatedAt, new OrganizationUser(create.AdminEmail), cancellationToken);
        }

        await organizations.AddSubscriptionAsync(request.OrganizationId, new OrganizationSubscription(request.SubscriptionId, SubscriptionStatus.Active), cancellationToken);
        logger.LogInformation("Order {OrderId}: subscription {SubscriptionId} assigned to {OrganizationId}", request.OrderId, request.SubscriptionId, request.OrganizationId);
    }

    /// <summary>Adds the approved administrator.</summary>
    public Task AddAdministratorAsync(AddAdministratorRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return organizations.AddFullAdminAsync(request.OrganizationId, request.Email, null, cancellationToken);
    }

    /// <summary>Emails each approver a link of their own.</summary>
    public async Task SendApprovalRequestsAsync(ApprovalMailRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var kind = request.IsReminder ? EmailKind.ApprovalReminder : EmailKind.ApprovalRequest;
        foreach (var approver in request.Approvers)
        {
            var token = await tokens.IssueAsync(TokenKind.Approval, request.OrderId, request.InstanceId, request.Round, approver, request.ExpiresAt, cancellationToken);
            var link = Links.Approval(options.Value.PublicBaseUrl, token);
            var facts = new EmailFacts(request.OrderId, request.SubscriptionId, request.Scenario, request.ContactEmail, request.ExpiresAt, link, request.OrganizationName, request.OrganizationId, request.RequestedAdminEmail, request.CompanyName);
            var content = EmailComposer.Compose(kind, facts, request.Language);
            await email.SendAsync(
                new OutgoingEmail($"{request.InstanceId}/{kind}/{request.Round}/{EmailAddress.Normalize(approver)}", kind, request.OrderId, new EmailRecipient(approver), content.Subject, content.PlainText, content.Html, new EmailLinks(Approval: link, ApprovalToken: token)),
                cancellationToken);
        }

        logger.LogInformation("Order {OrderId}: {Kind} sent to {Count} approvers", request.OrderId, kind, request.Approvers.Count);
    }

    /// <summary>Asks the existing full admins to add the new admin (PartnerForCustomer).</summary>
    public async Task SendAddAdminRequestAsync(AddAdminMailRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var admin in request.Admins)
        {
            var facts = new EmailFacts(request.OrderId, request.SubscriptionId, request.Scenario, OrganizationName: request.OrganizationName, RequestedAdminEmail: request.RequestedAdminEmail);
            var content = EmailComposer.Compose(EmailKind.AddAdminRequest, facts, request.Language);
            await email.SendAsync(
                new OutgoingEmail($"{request.InstanceId}/{EmailKind.AddAdminRequest}/{EmailAddress.Normalize(admin)}", EmailKind.AddAdminRequest, request.OrderId, new EmailRecipient(admin), content.Subject, content.PlainText, content.Html, new EmailLinks()),
                cancellationToken);
        }
    }

    /// <summary>Emails the outcome.</summary>
    public async Task SendOutcomeAsync(OutcomeMailRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? link = null;
        string? token = null;
        if (request.Outcome is not (ProvisioningOutcome.Expired or ProvisioningOutcome.Cancelled))
        {
            // Issued (not only derived), so the link works even if the token key was rotated since the invitation.
            token = await tokens.IssueAsync(TokenKind.Wizard, request.OrderId, request.InstanceId, request.InvitationGeneration, request.ContactEmail, DateTimeOffset.MaxValue, cancellationToken);
            link = Links.Wizard(options.Value.PublicBaseUrl, token);
        }

        var facts = new EmailFacts(request.OrderId, request.SubscriptionId, request.Scenario, request.ContactEmail, null, link, request.OrganizationName, null, request.RequestedAdminEmail, null, request.Outcome, request.Reason);
        var content = EmailComposer.Compose(EmailKind.Outcome, facts, request.Language);
        foreach (var recipient in request.AlsoNotify.Prepend(request.ContactEmail).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            await email.SendAsync(
                new OutgoingEmail($"{request.InstanceId}/{EmailKind.Outcome}/{EmailAddress.Normalize(recipient)}", EmailKind.Outcome, request.OrderId, new EmailRecipient(recipient), content.Subject, content.PlainText, content.Html, new EmailLinks(Wizard: link, WizardToken: token)),
                cancellationToken);
        }
    }

    /// <summary>
    /// POSTs the finished order to <c>Provisioning:OrderCallbackUrl</c>, signed like the incoming webhook; false when
    /// no callback is configured. Throws on anything but 2xx, so the workflow's retry policy backs off and tries
    /// again; <see cref="CallbackRequest.DeliveryId"/> is the same on every try, so the receiver can drop repeats.
    /// </summary>
    public async Task<bool> DeliverCallbackAsync(CallbackRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(options.Value.OrderCallbackUrl))
        {
            return false;
        }

        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(request, Storage.Json.Options);
        using var message = new HttpRequestMessage(HttpMethod.Post, options.Value.OrderCallbackUrl) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        message.Headers.Add(Api.WebhookSignature.Header, Api.WebhookSignature.Sign(body, options.Value.OrderWebhookSecret, time.GetUtcNow()));
        using var response = await httpClients.CreateClient(CallbackClient).SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            logger.LogWarning("Order {OrderId}: callback answered {Status}", request.OrderId, (int)response.StatusCode);
            throw new CallbackFailedException($"The order callback answered {(int)response.StatusCode}.");
        }

        logger.LogInformation("Order {OrderId}: callback delivered", request.OrderId);
        return true;
    }

    /// <summary>Records progress in the Orders table.</summary>
    public Task RecordProgressAsync(ProgressRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return orders.RecordProgressAsync(request, cancellationToken);
    }
}

/// <summary>The links emails carry. The token travels in the fragment, which browsers never send to servers or in Referer headers.</summary>
public static class Links
{
    /// <summary>The wizard page for a token.</summary>
    public static string Wizard(string publicBaseUrl, string token) => $"{Trim(publicBaseUrl)}/wizard/#t={token}";

    /// <summary>The approval page for a token.</summary>
    public static string Approval(string publicBaseUrl, string token) => $"{Trim(publicBaseUrl)}/approval/#t={token}";

    static string Trim(string url) => url.TrimEnd('/');
}
