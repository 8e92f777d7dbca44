using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// Matches a submission against the stored organizations with point reads only: the user index and the domain index
/// concurrently (for a short name key, the key's bounded range of the domain's partition), then the summaries of the
/// organizations they name, concurrently.
/// </summary>
public sealed class OrganizationMatcher(OrganizationStore store, MatchingPolicy policy, TimeProvider time)
{
    /// <summary>Runs Rule A / Rule B for the submission over organizations of <paramref name="candidateType"/> (null: both types).</summary>
    public async Task<MatchResult> MatchAsync(Submission submission, CancellationToken cancellationToken, OrganizationType? candidateType = null)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var email = submission.AdminEmail;
        var membershipsTask = store.Indexes.GetMembershipsAsync(email.Value, cancellationToken);
        var byDomainTask = submission.NameKey.Length == 0 ? Task.FromResult<IReadOnlyList<NamedOrganization>>([])
            : CompanyName.IsShortKey(submission.NameKey) ? store.Indexes.GetByDomainAndKeyPrefixAsync(email.Domain, submission.NameKey, cancellationToken)
            : store.Indexes.GetByDomainAndKeyAsync(email.Domain, submission.NameKey, cancellationToken);
        await Task.WhenAll(membershipsTask, byDomainTask);
        var memberships = await membershipsTask;
        var byDomain = await byDomainTask;
        var membershipById = memberships.ToDictionary(m => m.OrganizationId, StringComparer.Ordinal);
        var inDomain = byDomain.Select(o => o.OrganizationId).ToHashSet(StringComparer.Ordinal);

        // Rule A needs only the administered organizations (of the scenario's type); otherwise every member
        // organization and the Rule B names (narrowed to whole-name matches for free-mail domains before any read).
        var administered = await EvidenceAsync(memberships.Where(m => m.IsFullAdmin).Select(m => m.OrganizationId));
        if (administered.Any(e => candidateType is null || e.Organization.Type == candidateType))
        {
            return MatchingRules.Decide(submission, administered, policy, time.GetUtcNow(), candidateType);
        }

        var freeMail = policy.FreeMailDomains.Contains(email.Domain);
        // The administered organizations are all of the other type here, so they are no candidates either.
        var others = await EvidenceAsync(memberships.Where(m => !m.IsFullAdmin).Select(m => m.OrganizationId)
            .Concat(byDomain.Where(o => !freeMail || o.NormalizedName == submission.NormalizedName).Select(o => o.OrganizationId)));
        return MatchingRules.Decide(submission, others, policy, time.GetUtcNow(), candidateType);

        async Task<List<OrganizationEvidence>> EvidenceAsync(IEnumerable<string> ids)
        {
            var summaries = await Task.WhenAll(ids.Distinct(StringComparer.Ordinal).Select(id => store.GetSummaryAsync(id, cancellationToken)));
            return summaries.OfType<OrganizationSummary>().Select(s =>
            {
                var member = membershipById.TryGetValue(s.OrganizationId, out var m);
                return new OrganizationEvidence(
                    s,
                    CompanyName.Normalize(s.Name),
                    AdminIsAdmin: member && m!.IsFullAdmin,
                    AdminIsMember: member,
                    // A member organization has the entered address itself among its users, so it shares the domain.
                    SharesEmailDomain: member || inDomain.Contains(s.OrganizationId));
            }).ToList();
        }
    }
}
