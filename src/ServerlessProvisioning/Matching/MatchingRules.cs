namespace ServerlessProvisioning.Matching;

/// <summary>Tunable parts of the matching rules (SPEC §2, §5).</summary>
public sealed record MatchingPolicy(FreeMailDomains FreeMailDomains, TimeSpan AbandonedAfter)
{
    /// <summary>Built-in free-mail list, 365 days to abandonment.</summary>
    public static MatchingPolicy Default { get; } = new(FreeMailDomains.Default, TimeSpan.FromDays(365));

    /// <summary>
    /// The most candidates a wizard lists, most active first; the rest are counted (<see cref="MatchResult.OmittedCandidates"/>)
    /// and the contact is asked to refine the name. Keeps what an order carries bounded whatever the directory holds.
    /// </summary>
    public const int MaxCandidates = 25;

    /// <summary>
    /// The most the listed candidates may take as JSON (UTF-8), so the wizard's state stays under 64 KB even when every
    /// name and address is as long as the directory allows; candidates past it are counted as omitted.
    /// </summary>
    public const int MaxCandidatesBytes = 56 * 1024;

    /// <summary>The most full administrators a candidate lists; <see cref="Candidate.FullAdminCount"/> says how many it has.</summary>
    public const int MaxAdminsPerCandidate = 5;
}

/// <summary>Rule A, Rule B, candidate order and assessment: the product's matching decisions in one place.</summary>
public static class MatchingRules
{
    /// <summary>
    /// Decides from the evidence about every organization that could match: Rule A when the admin email
    /// administers one or several organizations, else Rule B with the members-first ordering.
    /// </summary>
    /// <remarks>
    /// Only organizations of <paramref name="candidateType"/> are considered, for Rule A and Rule B alike (the type
    /// follows the scenario: <see cref="NewAdminPolicy.OrganizationTypeFor"/>); null considers both.
    /// </remarks>
    public static MatchResult Decide(Submission submission, IEnumerable<OrganizationEvidence> evidence, MatchingPolicy policy, DateTimeOffset now, OrganizationType? candidateType = null)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ArgumentNullException.ThrowIfNull(policy);
        var all = evidence.DistinctBy(e => e.Organization.OrganizationId).Where(e => candidateType is null || e.Organization.Type == candidateType).ToList();

        var administered = all.Where(e => e.AdminIsAdmin).ToList();
        if (administered.Count > 0)
        {
            var choices = Order(administered.Select(e => ToCandidate(e, [MatchReason.AdminIsMember], policy, now)));
            return FitTo(new MatchResult(administered.Count == 1 ? MatchKind.AdminOfOne : MatchKind.AdminOfSeveral, [.. choices.Take(MatchingPolicy.MaxCandidates)], null, Omitted(choices)));
        }

        var freeMail = policy.FreeMailDomains.Contains(submission.AdminEmail.Domain);
        var candidates = new List<Candidate>();
        foreach (var e in all)
        {
            var reasons = ReasonsFor(submission, e, freeMail);
            if (reasons.Count > 0)
            {
                candidates.Add(ToCandidate(e, reasons, policy, now));
            }
        }

        var notice = freeMail
            ? $"{submission.AdminEmail.Domain} is a free-mail domain, so only organizations with exactly the same name are suggested."
            : null;
        var ordered = Order(candidates);
        return FitTo(new MatchResult(MatchKind.Candidates, [.. ordered.Take(MatchingPolicy.MaxCandidates)], notice, Omitted(ordered)));
    }

    /// <summary>Why an organization is a Rule B candidate; empty when it is not one.</summary>
    public static IReadOnlyList<MatchReason> ReasonsFor(Submission submission, OrganizationEvidence evidence, bool freeMailDomain)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ArgumentNullException.ThrowIfNull(evidence);
        var keyMatches = NameKeysMatch(submission.NameKey, CompanyName.KeyOfNormalized(evidence.NormalizedName));
        var fullNameMatches = submission.NormalizedName.Length > 0 && submission.NormalizedName == evidence.NormalizedName;
        var byRuleB = keyMatches && evidence.SharesEmailDomain && (!freeMailDomain || fullNameMatches);

        var reasons = new List<MatchReason>(4);
        if (evidence.AdminIsMember)
        {
            reasons.Add(MatchReason.AdminIsMember);
        }

        if (byRuleB || (evidence.AdminIsMember && keyMatches))
        {
            reasons.Add(MatchReason.NamePrefix);
        }

        if (byRuleB || (evidence.AdminIsMember && evidence.SharesEmailDomain))
        {
            reasons.Add(MatchReason.EmailDomain);
        }

        if (freeMailDomain && fullNameMatches && (byRuleB || evidence.AdminIsMember))
        {
            reasons.Add(MatchReason.FullName);
        }

        return evidence.AdminIsMember || byRuleB ? reasons : [];
    }

    /// <summary>
    /// Whether an entered key meets an organization's: equal, or, for a short entered key ("hp "), the organization's
    /// key starts with it. An empty key meets nothing.
    /// </summary>
    public static bool NameKeysMatch(string entered, string organization)
    {
        ArgumentNullException.ThrowIfNull(entered);
        ArgumentNullException.ThrowIfNull(organization);
        return entered.Length > 0 && (CompanyName.IsShortKey(entered)
            ? organization.StartsWith(entered, StringComparison.Ordinal)
            : string.Equals(entered, organization, StringComparison.Ordinal));
    }

    /// <summary>Members first, then most active: active subscriptions desc, users desc, created asc (id breaks ties).</summary>
    public static IReadOnlyList<Candidate> Order(IEnumerable<Candidate> candidates) =>
        candidates
            .OrderByDescending(c => c.MatchedBy.Contains(MatchReason.AdminIsMember))
            .ThenByDescending(c => c.ActiveSubscriptions)
            .ThenByDescending(c => c.Users)
            .ThenBy(c => c.CreatedAt)
            .ThenBy(c => c.OrganizationId, StringComparer.Ordinal)
            .ToList();

    /// <summary>InUse, PossiblyAbandoned or Unclear, with the facts that led there.</summary>
    public static (UsageAssessment Assessment, IReadOnlyList<AssessmentReason> Reasons) Assess(OrganizationSummary organization, DateTimeOffset now, TimeSpan abandonedAfter)
    {
        ArgumentNullException.ThrowIfNull(organization);
        var active = organization.ActiveSubscriptions > 0;
        var several = organization.Users > 1;
        var old = organization.CreatedAt < now - abandonedAfter;
        IReadOnlyList<AssessmentReason> reasons =
        [
            active ? AssessmentReason.HasActiveSubscriptions : AssessmentReason.NoActiveSubscription,
            several ? AssessmentReason.SeveralUsers : AssessmentReason.FewUsers,
            old ? AssessmentReason.CreatedLongAgo : AssessmentReason.CreatedRecently,
        ];
        var assessment = active && several ? UsageAssessment.InUse
            : !active && old ? UsageAssessment.PossiblyAbandoned
            : UsageAssessment.Unclear;
        return (assessment, reasons);
    }

    /// <summary>
    /// The result with as many of its candidates, in order, as fit in <paramref name="maxBytes"/> of JSON; the
    /// candidates left out are added to <see cref="MatchResult.OmittedCandidates"/>.
    /// </summary>
    public static MatchResult FitTo(MatchResult result, int maxBytes = MatchingPolicy.MaxCandidatesBytes)
    {
        ArgumentNullException.ThrowIfNull(result);
        var used = 2;
        var kept = 0;
        foreach (var candidate in result.Candidates)
        {
            used += System.Text.Encoding.UTF8.GetByteCount(Primitives.Json.Serialize(candidate)) + 1;
            if (used > maxBytes)
            {
                break;
            }

            kept++;
        }

        return kept == result.Candidates.Count
            ? result
            : result with { Candidates = [.. result.Candidates.Take(kept)], OmittedCandidates = result.OmittedCandidates + result.Candidates.Count - kept };
    }

    static int Omitted(IReadOnlyList<Candidate> all) => Math.Max(0, all.Count - MatchingPolicy.MaxCandidates);

    static Candidate ToCandidate(OrganizationEvidence e, IReadOnlyList<MatchReason> matchedBy, MatchingPolicy policy, DateTimeOffset now)
    {
        var o = e.Organization;
        var (assessment, reasons) = Assess(o, now, policy.AbandonedAfter);
        return new Candidate(o.OrganizationId, o.Name, o.Type, o.CreatedAt, o.ActiveSubscriptions, o.Users, [.. o.FullAdmins.Take(MatchingPolicy.MaxAdminsPerCandidate)], assessment, reasons, matchedBy, o.FullAdmins.Count);
    }
}
