using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.DevTools;

/// <summary>
/// The rules applied by scanning whole organizations: the specification in executable form, used by tests
/// to check the indexed matcher and by the benchmark as the naive baseline's semantics.
/// </summary>
public static class ReferenceMatcher
{
    /// <summary>Evidence for every organization the rules could list.</summary>
    public static IEnumerable<OrganizationEvidence> Evidence(Submission submission, IEnumerable<Organization> organizations)
    {
        ArgumentNullException.ThrowIfNull(submission);
        foreach (var organization in organizations)
        {
            var user = organization.Users.FirstOrDefault(u => EmailAddress.Normalize(u.Email) == submission.AdminEmail.Value);
            var normalized = CompanyName.Normalize(organization.Name);
            var sharesDomain = organization.Users.Any(u => EmailAddress.DomainOf(u.Email) == submission.AdminEmail.Domain);
            var keyMatches = MatchingRules.NameKeysMatch(submission.NameKey, CompanyName.KeyOfNormalized(normalized));
            if (user is null && !(keyMatches && sharesDomain))
            {
                continue;
            }

            yield return new OrganizationEvidence(organization.Summarize(), normalized, user?.IsFullAdmin == true, user is not null, sharesDomain);
        }
    }

    /// <summary>Matches by scanning.</summary>
    public static MatchResult Match(Submission submission, IEnumerable<Organization> organizations, MatchingPolicy policy, DateTimeOffset now, OrganizationType? candidateType = null) =>
        MatchingRules.Decide(submission, Evidence(submission, organizations), policy, now, candidateType);
}
