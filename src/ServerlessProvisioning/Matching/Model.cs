using System.Text.Json.Serialization;

namespace ServerlessProvisioning.Matching;

/// <summary>Whether an organization belongs to a customer or a partner.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OrganizationType>))]
public enum OrganizationType
{
    /// <summary>An end customer's organization.</summary>
    Customer,

    /// <summary>A partner's own organization.</summary>
    Partner,
}

/// <summary>Who provisions, for whom (SPEC §1.5).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProvisioningScenario>))]
public enum ProvisioningScenario
{
    /// <summary>A customer provisions its own subscription.</summary>
    CustomerSelf,

    /// <summary>A partner provisions a subscription for its customer.</summary>
    PartnerForCustomer,

    /// <summary>A partner provisions a subscription for its own use.</summary>
    PartnerSelf,
}

/// <summary>Why an organization is listed as a candidate.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MatchReason>))]
public enum MatchReason
{
    /// <summary>The entered admin email is a user (or admin) of the organization.</summary>
    AdminIsMember,

    /// <summary>The 5-character name key matched.</summary>
    NamePrefix,

    /// <summary>A user of the organization shares the admin email's domain.</summary>
    EmailDomain,

    /// <summary>The whole normalized name matched (the free-mail rule).</summary>
    FullName,
}

/// <summary>How likely an organization is in active use.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UsageAssessment>))]
public enum UsageAssessment
{
    /// <summary>Active subscriptions and more than one user.</summary>
    InUse,

    /// <summary>No active subscription and created long ago.</summary>
    PossiblyAbandoned,

    /// <summary>Neither clearly in use nor abandoned.</summary>
    Unclear,
}

/// <summary>The facts behind an assessment, as codes the wizard words in the reader's language.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AssessmentReason>))]
public enum AssessmentReason
{
    /// <summary>At least one subscription is active.</summary>
    HasActiveSubscriptions,

    /// <summary>No subscription is active.</summary>
    NoActiveSubscription,

    /// <summary>More than one user.</summary>
    SeveralUsers,

    /// <summary>One user or none.</summary>
    FewUsers,

    /// <summary>Created longer ago than the abandonment age.</summary>
    CreatedLongAgo,

    /// <summary>Created within the abandonment age.</summary>
    CreatedRecently,
}

/// <summary>A full administrator shown to the contact so they know whom to ask.</summary>
public sealed record AdminContact(string Email, string? Name = null);

/// <summary>What the wizard shows about an organization: the seed's figures.</summary>
public sealed record OrganizationSummary(
    string OrganizationId,
    string Name,
    OrganizationType Type,
    DateTimeOffset CreatedAt,
    int ActiveSubscriptions,
    int Users,
    IReadOnlyList<AdminContact> FullAdmins);

/// <summary>What the contact enters in the wizard, already validated.</summary>
public sealed record Submission(string CompanyName, EmailAddress AdminEmail)
{
    /// <summary>The normalized company name.</summary>
    public string NormalizedName { get; } = Matching.CompanyName.Normalize(CompanyName);

    /// <summary>The 5-character key.</summary>
    public string NameKey => Matching.CompanyName.KeyOfNormalized(NormalizedName);
}

/// <summary>
/// What is known about one organization relative to a submission. The indexed store and the reference
/// scan both produce these; <see cref="MatchingRules.Decide"/> turns them into a result.
/// </summary>
public sealed record OrganizationEvidence(
    OrganizationSummary Organization,
    string NormalizedName,
    bool AdminIsAdmin,
    bool AdminIsMember,
    bool SharesEmailDomain);

/// <summary>
/// A candidate as the wizard lists it (SPEC §3): at most <see cref="MatchingPolicy.MaxAdminsPerCandidate"/> of its
/// full administrators, and <see cref="FullAdminCount"/> of them in all (0 in candidates matched before the count existed).
/// </summary>
public sealed record Candidate(
    string OrganizationId,
    string Name,
    OrganizationType Type,
    DateTimeOffset CreatedAt,
    int ActiveSubscriptions,
    int Users,
    IReadOnlyList<AdminContact> FullAdmins,
    UsageAssessment Assessment,
    IReadOnlyList<AssessmentReason> Reasons,
    IReadOnlyList<MatchReason> MatchedBy,
    int FullAdminCount = 0);

/// <summary>Which rule decided.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MatchKind>))]
public enum MatchKind
{
    /// <summary>Rule A: the admin email administers exactly one organization; assign to it.</summary>
    AdminOfOne,

    /// <summary>Rule A: the admin email administers several organizations; they are the choice.</summary>
    AdminOfSeveral,

    /// <summary>Rule B: the candidate list (possibly empty).</summary>
    Candidates,
}

/// <summary>The outcome of matching one submission.</summary>
public sealed record MatchResult(MatchKind Kind, IReadOnlyList<Candidate> Candidates, string? Notice, int OmittedCandidates = 0)
{
    /// <summary>The organization Rule A assigns to, when there is exactly one.</summary>
    public Candidate? AssignTo => Kind == MatchKind.AdminOfOne ? Candidates[0] : null;
}

/// <summary>Validates what the wizard posts; errors are keyed by field name as problem+json's <c>errors</c> map expects.</summary>
public static class SubmissionValidator
{
    /// <summary>Builds a submission, or says what is wrong with each field.</summary>
    public static bool TryCreate(string? companyName, string? adminEmail, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Submission? submission, out Dictionary<string, string[]> errors)
    {
        submission = null;
        errors = [];
        var name = companyName?.Trim();
        if (CompanyName.Problem(name) is { } problem)
        {
            errors["companyName"] = [problem];
        }

        if (!EmailAddress.TryParse(adminEmail, out var email, out var emailError))
        {
            errors["adminEmail"] = [emailError!];
        }

        if (errors.Count > 0)
        {
            return false;
        }

        submission = new Submission(name!, email!);
        return true;
    }
}
