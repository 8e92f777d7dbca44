using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.Api;

/// <summary>
/// The pending (or decided) approval as the wizard shows it; the comment is the approver's reason. <see cref="Approvers"/>
/// are the administrators asked and <see cref="DecidedBy"/> the one who refused, named as the directory names them,
/// their addresses shown as the candidates' are (<see cref="AdminAddressDisclosure"/>): whom to ask before starting again.
/// </summary>
public sealed record WizardApproval(
    string OrganizationName,
    DateTimeOffset ExpiresAt,
    ApprovalEnd? Decision,
    string? Comment = null,
    DateTimeOffset? DecidedAt = null,
    IReadOnlyList<AdminContact>? Approvers = null,
    AdminContact? DecidedBy = null);

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
    string Language,
    WizardVerification? Verification = null,
    int Step = 0,
    int OmittedCandidates = 0,
    int CodesLeft = OrderLimits.CodesPerInvitation,
    int ApprovalRequestsLeft = OrderLimits.ApprovalRequestsPerInvitation,
    int SubmissionsLeft = OrderLimits.SubmissionsPerInvitation,
    bool? AdminIsContact = null,
    DateTimeOffset? RestartUntil = null)
{
    /// <summary>
    /// The wizard's view of a workflow status. The candidates' administrator addresses are masked unless the proven
    /// admin address is at their (not free-mail) domain (<see cref="AdminAddressDisclosure"/>).
    /// </summary>
    public static WizardState Of(ProvisioningStatus s, FreeMailDomains freeMail)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(
            s.OrderId,
            s.SubscriptionId,
            s.Scenario,
            s.Stage,
            s.ExpiresAt,
            s.Submission,
            s.MatchKind,
            AdminAddressDisclosure.ForContact(s.Candidates, ProvenAdmin(s), freeMail),
            s.Organization,
            s.Outcome,
            s.Notice,
            s.Approval is { } a ? ApprovalOf(s, a, freeMail) : null,
            s.Language,
            s.Verification is { } v ? new WizardVerification(v.SentTo, v.ExpiresAt, v.AttemptsLeft, v.Expired) : null,
            s.Step,
            s.OmittedCandidates,
            Math.Max(0, OrderLimits.CodesPerInvitation - s.CodesSent),
            Math.Max(0, OrderLimits.ApprovalRequestsPerInvitation - s.ApprovalRequestsSent),
            Math.Max(0, OrderLimits.SubmissionsPerInvitation - s.Submissions),
            // Whether the page says "add you" or names the admin; the contact's own address is not shown.
            s.Submission is { } submission && s.ContactEmail is { } contact ? EmailAddress.SamePerson(submission.AdminEmail, contact) : null,
            // Until when "Start again" works after a refusal or an expired approval.
            OrderReopener.RestartDeadline(s));
    }

    static WizardApproval ApprovalOf(ProvisioningStatus s, ApprovalView a, FreeMailDomains freeMail)
    {
        var proven = ProvenAdmin(s);
        var known = s.Candidates?.FirstOrDefault(c => c.OrganizationId == a.OrganizationId)?.FullAdmins ?? [];
        AdminContact Person(string email) =>
            new(AdminAddressDisclosure.ShowsWhole(email, proven, freeMail) ? email : AdminAddressDisclosure.Mask(email), known.FirstOrDefault(k => EmailAddress.SamePerson(k.Email, email))?.Name);
        return new WizardApproval(
            a.OrganizationName, a.ExpiresAt, a.Decision, a.Comment, a.DecidedAt,
            a.Approvers.Select(Person).ToList(),
            a.Decision == ApprovalEnd.Rejected && a.DecidedBy is { } decider && decider.Contains('@') ? Person(decider) : null);
    }

    // The admin address matching ran for, once proven: by a code, or by being the contact's own (the invitation
    // proved it). An address still waiting for its code proves nothing.
    static string? ProvenAdmin(ProvisioningStatus s) =>
        s.Submission?.AdminEmail is { } admin
        && ((s.ProvenAdmin is { } proven && EmailAddress.SamePerson(admin, proven)) || (s.ContactEmail is { } contact && EmailAddress.SamePerson(admin, contact)))
            ? admin
            : null;
}

/// <summary>The code awaited to prove the entered admin address: where it went, until when it works, how many wrong codes are left, whether it died of age.</summary>
public sealed record WizardVerification(string SentTo, DateTimeOffset ExpiresAt, int AttemptsLeft, bool Expired);

/// <summary>
/// Why an emailed code no longer works: the <c>reason</c> of the <c>400</c> that says so (with <c>attemptsLeft: 0</c>;
/// absent while attempts are left). The wizard words its advice by it.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CodeDeadReason>))]
public enum CodeDeadReason
{
    /// <summary>Every attempt was used (the last wrong code included).</summary>
    [JsonStringEnumMemberName("attemptsExhausted")]
    AttemptsExhausted,

    /// <summary>The code's time is up.</summary>
    [JsonStringEnumMemberName("expired")]
    Expired,
}

/// <summary>The verification body: the 6-digit code.</summary>
public sealed record VerificationBody(string Code);

/// <summary>The wizard's submission body.</summary>
public sealed record SubmissionBody(string CompanyName, string AdminEmail);

/// <summary>The wizard's choice body: an organization id, or <c>createNew: true</c>.</summary>
public sealed record ChoiceBody(string? OrganizationId, bool? CreateNew);

/// <summary>The provisioning contact's routes, opened by the wizard link's token.</summary>
public sealed class WizardApi(WorkflowGateway gateway, OrderReopener reopener, MatchingPolicy policy)
{
    /// <summary>
    /// The routes, for both hosts. Each takes the link's token in the path (<c>/api/wizard/{token}/…</c>) or, so that it
    /// never appears in a URL, in <c>Authorization: Bearer</c> on the same resource without it (<c>/api/wizard/…</c>).
    /// </summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        .. Both("GetWizard", "GET", string.Empty, (token, request, api, client, ct) => api.GetAsync(token, client, ct),
            null, [404, 410],
            "The wizard's state."),
        .. Both("PostSubmission", "POST", "/submission", (token, request, api, client, ct) => api.PostSubmissionAsync(token, request, client, ct),
            typeof(SubmissionBody), [400, 404, 409, 410, 413, 415, 429],
            "Company name and admin email, until an organization is chosen (a new one replaces the previous); 200 with the next state when ready within a few seconds, else 202. An address other than the contact's gets a code first."),
        .. Both("PostVerification", "POST", "/verification", (token, request, api, client, ct) => api.PostVerificationAsync(token, request, client, ct),
            typeof(VerificationBody), [400, 404, 409, 410, 413, 415],
            $"The {FieldLimits.VerificationCodeDigits}-digit code emailed to the entered admin address; 400 with attemptsLeft when wrong; matching runs once it is right."),
        .. Both("PostChoice", "POST", "/choice", (token, request, api, client, ct) => api.PostChoiceAsync(token, request, client, ct),
            typeof(ChoiceBody), [400, 404, 409, 410, 413, 415, 429],
            "Choose a candidate organization or create a new one."),
        .. Both("PostWithdrawal", "POST", "/withdrawal", (token, request, api, client, ct) => api.PostWithdrawalAsync(token, client, ct),
            null, [404, 409, 410],
            "Withdraw the request waiting for the existing administrator's approval; back to the organization choice."),
        .. Both("PostRestart", "POST", "/restart", (token, request, api, client, ct) => api.PostRestartAsync(token, client, ct),
            null, [404, 409, 410],
            "Start again after the administrator refused or let the approval expire, while the invitation's own deadline has not passed: back at the form with the same link."),
    ];

    // The path form and the header form of one route (the latter named with "ByHeader"), one handler for both.
    static ApiRoute[] Both<TResult>(string name, string method, string rest, Func<string?, HttpRequest, WizardApi, DurableTaskClient, CancellationToken, Task<TResult>> handle, Type? body, IReadOnlyList<int> problems, string summary) =>
    [
        new(name, method, "wizard/{token}" + rest, ApiAudience.Wizard,
            (string token, HttpRequest request, WizardApi api, DurableTaskClient client, CancellationToken ct) => handle(token, request, api, client, ct),
            body, problems, summary),
        new(name + "ByHeader", method, "wizard" + rest, ApiAudience.Wizard,
            (HttpRequest request, WizardApi api, DurableTaskClient client, CancellationToken ct) => handle(WorkflowGateway.TokenOf(request), request, api, client, ct),
            body, problems, summary + " The link's token in Authorization: Bearer."),
    ];

    /// <summary>GET /api/wizard/{token}.</summary>
    public async Task<Results<Ok<WizardState>, ProblemHttpResult>> GetAsync(string? token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow) = await gateway.OpenLinkAsync(token, TokenKind.Wizard, client, cancellationToken);
        return problem is not null ? problem : TypedResults.Ok(WizardState.Of(workflow!.Status, policy.FreeMailDomains));
    }

    /// <summary>POST /api/wizard/{token}/submission.</summary>
    public async Task<Results<Ok<WizardState>, Accepted<WizardState>, ProblemHttpResult>> PostSubmissionAsync(string? token, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow, document) = await gateway.OpenLinkCommandAsync(token, TokenKind.Wizard, request, client, cancellationToken);
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

            var status = workflow!.Status;
            if (!status.Stage.TakesSubmission())
            {
                return WorkflowGateway.WrongStage(status, "The company details can be changed only until an organization is chosen.");
            }

            if (status.SubmissionsExhausted())
            {
                return Problems.TooMany(
                    $"This invitation has already taken {OrderLimits.SubmissionsPerInvitation} submissions. Ask whoever placed the order for a new invitation.",
                    LimitReason.TooManySubmissions);
            }

            if (status.NeedsCode(adminEmail!.Trim()) && status.CodesExhausted())
            {
                return Problems.TooMany(
                    $"This invitation has already sent {OrderLimits.CodesPerInvitation} verification codes. Enter your own address as the administrator, or ask whoever placed the order for a new invitation.",
                    LimitReason.TooManyCodes);
            }

            return await CommandAsync(client, workflow, ProvisioningEvents.WizardSubmitted, new WizardSubmitted(status.Step, companyName!.Trim(), adminEmail!.Trim(), gateway.Now), cancellationToken);
        }
    }

    /// <summary>POST /api/wizard/{token}/choice.</summary>
    public async Task<Results<Ok<WizardState>, Accepted<WizardState>, ProblemHttpResult>> PostChoiceAsync(string? token, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow, document) = await gateway.OpenLinkCommandAsync(token, TokenKind.Wizard, request, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var root = document!.RootElement;
            var errors = new Dictionary<string, string[]>();
            var organizationId = JsonFields.Text(root, "organizationId", errors, required: false, maxLength: Identifiers.MaxLength);
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

            var status = workflow!.Status;
            if (status.Stage != ProvisioningStage.AwaitingOrganizationChoice)
            {
                return WorkflowGateway.WrongStage(status, "There is no organization choice to make now.");
            }

            if (organizationId is not null)
            {
                var candidate = status.Candidates?.FirstOrDefault(c => c.OrganizationId == organizationId);
                if (candidate is null)
                {
                    return Problems.Validation(new() { ["organizationId"] = ["Not one of the candidates offered."] }, "Choose one of the listed organizations or create a new one.");
                }

                var needsApproval = status.MatchKind != MatchKind.AdminOfSeveral
                    && NewAdminPolicy.Decide(status.Scenario, false, candidate.FullAdmins.Any(a => a.Email == status.Submission?.AdminEmail)) == NewAdminAction.RequireApproval;
                if (needsApproval && candidate.FullAdmins.Count == 0)
                {
                    return Problems.Validation(new() { ["organizationId"] = ["This organization has no full administrator who could approve a new administrator."] }, "Choose another organization or create a new one.");
                }

                if (needsApproval && status.ApprovalRequestsExhausted())
                {
                    return Problems.TooMany(
                        $"This invitation has already asked for approval {OrderLimits.ApprovalRequestsPerInvitation} times. Create a new organization, or ask whoever placed the order for a new invitation.",
                        LimitReason.TooManyApprovalRequests);
                }
            }

            return await CommandAsync(client, workflow, ProvisioningEvents.OrganizationChosen, new OrganizationChosen(status.Step, organizationId, createNew, gateway.Now), cancellationToken);
        }
    }

    /// <summary>POST /api/wizard/{token}/verification: the code that proves the entered admin address.</summary>
    public async Task<Results<Ok<WizardState>, Accepted<WizardState>, ProblemHttpResult>> PostVerificationAsync(string? token, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow, document) = await gateway.OpenLinkCommandAsync(token, TokenKind.Wizard, request, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            var code = JsonFields.Text(document!.RootElement, "code", errors, required: true, maxLength: 20, allowLineBreaks: false)?.Trim();
            if (code is not null && (code.Length != FieldLimits.VerificationCodeDigits || !code.All(char.IsAsciiDigit)))
            {
                errors["code"] = [$"The {FieldLimits.VerificationCodeDigits} digits of the code in the email."];
            }

            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }

            var status = workflow!.Status;
            if (status.Stage != ProvisioningStage.AwaitingAdminEmailVerification || status.Verification is not { } verification)
            {
                return WorkflowGateway.WrongStage(status, "No code is awaited now.");
            }

            if (verification.Expired || verification.AttemptsLeft == 0 || gateway.Now > verification.ExpiresAt)
            {
                return verification.AttemptsLeft == 0
                    ? CodeProblem(0, "This code no longer works: every attempt was used. Submit the company details again to get a new one.", CodeDeadReason.AttemptsExhausted)
                    : CodeProblem(0, "This code no longer works: its time is up. Submit the company details again to get a new one.", CodeDeadReason.Expired);
            }

            if (!await gateway.SendAsync(client, workflow, ProvisioningEvents.VerificationCodeEntered, new VerificationCodeEntered(status.Step, code!, gateway.Now), cancellationToken))
            {
                return Problems.Conflict("Someone entered a code at the same time; reload to see where it stands.");
            }

            var (next, movedOn) = await gateway.WaitForNextStepAsync(client, workflow, cancellationToken);
            if (movedOn && next.Stage == ProvisioningStage.AwaitingAdminEmailVerification && next.Verification is { } after && after.Round == verification.Round)
            {
                return after.AttemptsLeft == 0
                    ? CodeProblem(0, "That code is wrong, and it was the last attempt. Submit the company details again to get a new code.", CodeDeadReason.AttemptsExhausted)
                    : CodeProblem(after.AttemptsLeft, $"That code is wrong. {after.AttemptsLeft} attempt(s) left.");
            }

            return movedOn ? TypedResults.Ok(WizardState.Of(next, policy.FreeMailDomains)) : TypedResults.Accepted((string?)null, WizardState.Of(next, policy.FreeMailDomains));
        }
    }

    /// <summary>POST /api/wizard/{token}/withdrawal: takes back the request waiting for the existing admin's approval.</summary>
    public async Task<Results<Ok<WizardState>, Accepted<WizardState>, ProblemHttpResult>> PostWithdrawalAsync(string? token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow) = await gateway.OpenLinkAsync(token, TokenKind.Wizard, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var status = workflow!.Status;
        if (status.Stage != ProvisioningStage.AwaitingAdminApproval || status.Approval?.Decision is not null)
        {
            return WorkflowGateway.WrongStage(status, "There is no request waiting for approval to withdraw.");
        }

        return await CommandAsync(client, workflow, ProvisioningEvents.ApprovalWithdrawn, new ApprovalWithdrawn(status.Step, gateway.Now), cancellationToken);
    }

    /// <summary>POST /api/wizard/{token}/restart: back at the form after a refusal or an expired approval.</summary>
    public async Task<Results<Ok<WizardState>, Accepted<WizardState>, ProblemHttpResult>> PostRestartAsync(string? token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (problem, workflow) = await gateway.OpenLinkAsync(token, TokenKind.Wizard, client, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var status = workflow!.Status;
        if (OrderReopener.RestartDeadline(status) is not { } until)
        {
            return WorkflowGateway.WrongStage(status, "Only a provisioning the administrator refused, or whose approval expired, can start again.");
        }

        if (gateway.Now >= until)
        {
            return WorkflowGateway.WrongStage(status, "The invitation's own deadline has passed, so it cannot start again; ask whoever placed the order to reopen it.");
        }

        if (await reopener.ReopenAsync(client, workflow, ReopenKind.Restart, status.ContactEmail ?? "contact", newContact: null, cancellationToken) is { } conflict)
        {
            return conflict;
        }

        var (next, movedOn) = await gateway.WaitForNextStepAsync(client, workflow, cancellationToken);
        return movedOn ? TypedResults.Ok(WizardState.Of(next, policy.FreeMailDomains)) : TypedResults.Accepted((string?)null, WizardState.Of(next, policy.FreeMailDomains));
    }

    static ProblemHttpResult CodeProblem(int attemptsLeft, string message, CodeDeadReason? dead = null)
    {
        var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["code"] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Invalid request",
            Type = "https://httpstatuses.io/400",
            Detail = message,
            Extensions = { ["attemptsLeft"] = attemptsLeft },
        };
        if (dead is { } reason)
        {
            problem.Extensions["reason"] = Json.NameOf(reason);
        }

        return TypedResults.Problem(problem);
    }

    // The person is waiting: give the workflow a few seconds to reach its next stage, so the answer usually carries it.
    async Task<Results<Ok<WizardState>, Accepted<WizardState>, ProblemHttpResult>> CommandAsync<T>(DurableTaskClient client, OpenWorkflow workflow, string eventName, T command, CancellationToken cancellationToken)
    {
        if (!await gateway.SendAsync(client, workflow, eventName, command, cancellationToken))
        {
            return Problems.Conflict("Someone already answered this step; reload to see where it stands.");
        }

        var (status, movedOn) = await gateway.WaitForNextStepAsync(client, workflow, cancellationToken);
        return movedOn ? TypedResults.Ok(WizardState.Of(status, policy.FreeMailDomains)) : TypedResults.Accepted((string?)null, WizardState.Of(status, policy.FreeMailDomains));
    }
}
