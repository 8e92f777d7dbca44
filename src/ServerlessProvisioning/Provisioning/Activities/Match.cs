using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>A submission to match; the scenario says which type of organization can be a candidate.</summary>
public sealed record MatchRequest(string CompanyName, string AdminEmail, ProvisioningScenario? Scenario = null);

/// <summary>Runs Rule A / Rule B over the stored organizations.</summary>
public sealed class Match(OrganizationMatcher matcher, ILogger<Match> logger) : WorkflowActivity<MatchRequest, MatchResult>
{
    /// <inheritdoc/>
    public override async Task<MatchResult> RunAsync(MatchRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!SubmissionValidator.TryCreate(input.CompanyName, input.AdminEmail, out var submission, out _))
        {
            // The HTTP layer validated it; a stored event that no longer validates matches nothing rather than widening.
            return new MatchResult(MatchKind.Candidates, [], null);
        }

        var result = await matcher.MatchAsync(submission, cancellationToken, input.Scenario is { } scenario ? NewAdminPolicy.OrganizationTypeFor(scenario) : null);
        logger.LogInformation("Matched by {Kind} with {Count} candidates", result.Kind, result.Candidates.Count);
        return result;
    }
}
