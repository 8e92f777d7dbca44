using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// Matches a submission against the stored organizations with point reads only: the user index and the
/// domain index concurrently, then the summaries of the organizations they name, concurrently.
/// </summary>
public sealed class OrganizationMatcher(OrganizationStore store, MatchingPolicy policy, TimeProvider time)
{
    /// <summary>Runs Rule A / Rule B for the submission.</summary>
    public async Task<MatchResult> MatchAsync(Submission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var email = submission.AdminEmail;
        var membershipsTask = store.Indexes.GetMembershipsAsync(email.Value, cancellationToken);
        var byDomainTask = submission.NameKey.Length == 0
            ? Task.FromResult<IReadOnlyList<NamedOrganization>>([])
            : store.Indexes.GetByDomainAndKeyAsync(email.Domain, submission.NameKey, cancellationToken);
        await Task.WhenAll(membershipsTask, byDomainTask);
        var memberships = await membershipsTask;
        var byDomain = await byDomainTask;

        // Rule A needs only the administered organizations; otherwise every member organization and the
        // Rule B names (narrowed to whole-name matches for free-mail domains before any read).
        var administered = memberships.Where(m => m.IsFullAdmin).ToList();
        var freeMail = policy.FreeMailDomains.Contains(email.Domain);
        var ids = administered.Count > 0
            ? administered.Select(m => m.OrganizationId)
            : memberships.Select(m => m.OrganizationId)
                .Concat(byDomain.Where(o => !freeMail || o.NormalizedName == submission.NormalizedName).Select(o => o.OrganizationId));

        var membershipById = memberships.ToDictionary(m => m.OrganizationId, StringComparer.Ordinal);
        var inDomain = byDomain.Select(o => o.OrganizationId).ToHashSet(StringComparer.Ordinal);
        var summaries = await Task.WhenAll(ids.Distinct(StringComparer.Ordinal).Select(id => store.GetSummaryAsync(id, cancellationToken)));

        var evidence = summaries.OfType<OrganizationSummary>().Select(s =>
        {
            var member = membershipById.TryGetValue(s.OrganizationId, out var m);
            return new OrganizationEvidence(
                s,
                CompanyName.Normalize(s.Name),
                AdminIsAdmin: member && m!.IsFullAdmin,
                AdminIsMember: member,
                // A member organization has the entered address itself among its users, so it shares the domain.
                SharesEmailDomain: member || inDomain.Contains(s.OrganizationId));
        });
        return MatchingRules.Decide(submission, evidence, policy, time.GetUtcNow());
    }
}
