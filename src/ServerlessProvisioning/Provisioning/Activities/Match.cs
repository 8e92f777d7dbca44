using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// A submission to match; the scenario says which type of organization can be a candidate. With an order id, the
/// candidates are kept for the order's pages as match <paramref name="Round"/>.
/// </summary>
public sealed record MatchRequest(string CompanyName, string AdminEmail, ProvisioningScenario? Scenario = null, string? OrderId = null, int Round = 0);

/// <summary>
/// Runs Rule A / Rule B over the stored organizations. For an order, the candidates with their administrators go to
/// the <see cref="CandidateStore"/>, and the workflow gets them without administrators: its history and status stay
/// small whatever the directory holds.
/// </summary>
public sealed class Match(OrganizationMatcher matcher, CandidateStore candidates, ILogger<Match> logger) : WorkflowActivity<MatchRequest, MatchResult>
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
        if (input.OrderId is not { } orderId)
        {
            return result;
        }

        await candidates.SaveAsync(orderId, new OfferedCandidates(input.Round, result.Candidates, result.OmittedCandidates), cancellationToken);
        return result with { Candidates = [.. result.Candidates.Select(c => c with { FullAdmins = [] })] };
    }
}
