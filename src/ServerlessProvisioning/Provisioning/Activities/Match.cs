using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// A submission to match; the scenario says which type of organization can be a candidate. With an order id, the
/// candidates are kept for the order's pages as match <paramref name="Round"/>. From 1.3, <paramref name="Offered"/> is
/// the record of the choice the match offers (Rule B, or Rule A with several organizations), written by this activity
/// with the match's own audit entry (<see cref="MatchAudit"/>, numbered as <paramref name="OfferedEntry"/>); a Rule A
/// match that assigns at once writes nothing, and the workflow keeps the record's entries for the assignment's.
/// </summary>
public sealed record MatchRequest(string CompanyName, string AdminEmail, ProvisioningScenario? Scenario = null, string? OrderId = null, int Round = 0, ProgressRequest? Offered = null, AuditEntry? OfferedEntry = null);

/// <summary>What the audit says of a match that offers a choice: one rule for the workflow and the activity that records it.</summary>
public static class MatchAudit
{
    /// <summary>The action and detail of the audit entry for a match that offers a choice.</summary>
    public static (AuditAction Action, string Detail) Of(MatchResult match)
    {
        ArgumentNullException.ThrowIfNull(match);
        return (match.Kind == MatchKind.AdminOfSeveral ? AuditAction.MatchedByRuleAOfSeveral : AuditAction.MatchedByRuleB, $"{match.Candidates.Count} candidate(s)");
    }

    /// <summary>The entry numbered as <paramref name="numbered"/>, saying what <paramref name="match"/> offered.</summary>
    public static AuditEntry Entry(AuditEntry numbered, MatchResult match)
    {
        ArgumentNullException.ThrowIfNull(numbered);
        var (action, detail) = Of(match);
        return numbered with { Action = action.ToString(), Detail = detail };
    }
}

/// <summary>
/// Runs Rule A / Rule B over the stored organizations. For an order, the candidates with their administrators go to
/// the <see cref="CandidateStore"/>, and the workflow gets them without administrators: its history and status stay
/// small whatever the directory holds.
/// </summary>
public sealed class Match(OrganizationMatcher matcher, CandidateStore candidates, OrderStore orders, ILogger<Match> logger) : WorkflowActivity<MatchRequest, MatchResult>
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

        var kept = new OfferedCandidates(input.Round, result.Candidates, result.OmittedCandidates);
        if (result.AssignTo is null && input.Offered is { } offered && input.OfferedEntry is { } entry)
        {
            // The candidates are stored with the record of the stage that shows them (in its batch), before the workflow publishes it.
            await orders.RecordProgressAsync(offered with { Audit = [.. offered.Audit, MatchAudit.Entry(entry, result)] }, cancellationToken, [CandidateStore.Entity(orderId, kept)]);
        }
        else
        {
            await candidates.SaveAsync(orderId, kept, cancellationToken);
        }

        return result with { Candidates = [.. result.Candidates.Select(c => c with { FullAdmins = [] })] };
    }
}
