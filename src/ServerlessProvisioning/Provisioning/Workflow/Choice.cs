using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// Matching the submission and the contact's choice: Rule A assigns at once; otherwise the contact picks a candidate
/// or a new organization, and the new-admin policy decides whether to assign, assign and ask, or ask first.
/// </summary>
sealed class Choice(OrderRun run, Invitation invitation, Approval approval, Ending ending) : IWait
{
    /// <summary>Matches the current submission: assigns by Rule A, or offers the candidates.</summary>
    public async Task MatchAsync()
    {
        var submission = run.Status.Submission!;
        run.Publish(run.Status with { Stage = ProvisioningStage.Matching, Verification = null });

        // Orders of 1.0 keep whole candidates in their status; later ones keep them beside the order and name them by id.
        var kept = run.Takes(ProvisioningWorkflow.Bounded);
        var round = run.Status.MatchRound + 1;
        var request = new MatchRequest(submission.CompanyName, submission.AdminEmail, run.Order.Scenario, kept ? run.Order.OrderId : null, kept ? round : 0);

        // From 1.3 the match's activity records the choice it offers (an activity fewer): the record of the stage to
        // come, with the match's own entry numbered next.
        var offered = run.Folds ? run.Outbox.TakeRecord(run.Status with { Stage = ProvisioningStage.AwaitingOrganizationChoice, ExpiresAt = run.State.InvitationDeadline }) : null;
        var offeredEntry = offered is null ? null : run.Outbox.Tentative("system", AuditAction.MatchedByRuleB);
        var match = await run.Context.MatchAsync(request with { Offered = offered, OfferedEntry = offeredEntry }, run.ActivityOptions);
        var ids = kept ? match.Candidates.Select(c => c.OrganizationId).ToList() : null;
        var whole = kept ? null : match.Candidates;
        if (match.AssignTo is { } organization)
        {
            if (offered is not null)
            {
                // Nothing was recorded: the entries go with the assignment's record.
                run.Outbox.Return(offered);
            }

            run.Outbox.Audit("system", AuditAction.MatchedByRuleA, $"{run.State.RequestedAdmin} administers {organization.OrganizationId}");
            run.Status = run.Status with { MatchKind = match.Kind, Candidates = whole, CandidateIds = ids, MatchRound = round };
            await ending.AssignExistingAsync(new OrganizationView(organization.OrganizationId, organization.Name, organization.Type), ProvisioningOutcome.AssignedToExistingOrganization);
            return;
        }

        var next = run.Status with
        {
            Stage = ProvisioningStage.AwaitingOrganizationChoice,
            MatchKind = match.Kind,
            Candidates = whole,
            CandidateIds = ids,
            OmittedCandidates = match.OmittedCandidates,
            MatchRound = round,
            Notice = match.Notice,
            ExpiresAt = run.State.InvitationDeadline,
        };
        if (offeredEntry is not null)
        {
            run.Outbox.Took(MatchAudit.Entry(offeredEntry, match));
            run.Advance(next);
            return;
        }

        var (action, detail) = MatchAudit.Of(match);
        run.Outbox.Audit("system", action, detail);
        await run.EnterAsync(next);
    }

    /// <inheritdoc/>
    public async Task<Happening?> WaitAsync()
    {
        var next = await run.Inbox.NextAsync(Accept.Choice | Accept.Submission | Accept.Resend | Accept.Cancel, invitation.Deadlines());
        switch (next)
        {
            case Command<OrganizationChosen> { Event.CreateNew: true } chosenNew:
                await CreateAndAssignAsync(chosenNew.Event.At);
                return null;
            case Command<OrganizationChosen> chosen:
                await ApplyAsync(chosen.Event.OrganizationId!, chosen.Event.At);
                return null;
            default:
                return await invitation.OnDeadlineAsync(next, "No organization was chosen before the invitation expired.") ? null : next;
        }
    }

    // Why the organization, as it is now, cannot take the order: gone, of a type the scenario does not assign to, or
    // without a full administrator to approve or to be told (a requested admin who is one counts).
    internal static string? WhyNot(OrderRun run, OrganizationCheck check) =>
        !check.Exists || run.Takes(ProvisioningWorkflow.Bounded) ? check.Unfit(NewAdminPolicy.OrganizationTypeFor(run.Order.Scenario)) : null;

    async Task CreateAndAssignAsync(DateTimeOffset at)
    {
        var type = NewAdminPolicy.OrganizationTypeFor(run.Order.Scenario);
        var name = run.Status.Submission!.CompanyName;
        var admin = run.State.RequestedAdmin!;

        // Deterministic, so a replayed or retried creation lands on the same organization.
        var organizationId = "org-" + run.Context.NewGuid().ToString("N")[..20];
        run.Outbox.Audit(run.Contact, AuditAction.ChoseNewOrganization, $"'{name}' ({type}) with full admin {admin}", at);
        await ending.AssignAndCompleteAsync(new OrganizationView(organizationId, name, type, IsNew: true), new NewOrganization(organizationId, name, type, admin, run.Now), ProvisioningOutcome.AssignedToNewOrganization);
    }

    async Task ApplyAsync(string organizationId, DateTimeOffset at)
    {
        var admin = run.State.RequestedAdmin!;
        run.Outbox.Audit(run.Contact, AuditAction.ChoseOrganization, organizationId, at);
        var check = await run.Context.InspectAsync(new InspectRequest(organizationId, admin), run.ActivityOptions);
        if (WhyNot(run, check) is { } reason)
        {
            // The directory changed since matching: let the contact choose again, without it, rather than fail.
            run.Outbox.Audit("system", AuditAction.ChoiceRejected, $"{organizationId} {reason}");
            await run.EnterAsync(run.Status with
            {
                Stage = ProvisioningStage.AwaitingOrganizationChoice,
                Candidates = run.Status.Candidates?.Where(c => c.OrganizationId != organizationId).ToList(),
                CandidateIds = run.Status.CandidateIds?.Where(id => id != organizationId).ToList(),
            });
            return;
        }

        var organization = new OrganizationView(organizationId, check.Name, check.Type);
        switch (NewAdminPolicy.Decide(run.Order.Scenario, createsNewOrganization: false, check.AdminIsFullAdmin))
        {
            case NewAdminAction.Assign:
                await ending.AssignExistingAsync(organization, ProvisioningOutcome.AssignedToExistingOrganization);
                break;
            case NewAdminAction.AssignAndRequestAdminAddition:
                run.Outbox.Audit("system", AuditAction.AdminAdditionRequested, $"{admin} to {organizationId}; asked {check.FullAdmins.Count} full admin(s)");
                await ending.AssignAsync(organization);
                var request = new AddAdminMailRequest(run.Mail, check.Name, admin, check.FullAdmins.Select(a => a.Email).ToList(), organizationId, run.Now + run.Timings.ApprovalLifetime);
                await run.Outbox.SendAsync(nameof(SendAddAdminRequest), o => run.Context.SendAddAdminRequestAsync(request, o));
                await ending.CompleteAsync(ProvisioningOutcome.AssignedPendingAdminAddition);
                break;
            case NewAdminAction.RequireApproval when run.Takes(ProvisioningWorkflow.Bounded) && run.Status.ApprovalRequestsExhausted():
                // The wizard API answers 429 first; one that still arrives (a race) goes back to the choice.
                run.Outbox.Audit("system", AuditAction.ApprovalLimitReached, $"{organizationId} not asked: {OrderLimits.ApprovalRequestsPerInvitation} approval requests already made under this invitation");
                await run.EnterAsync(run.Status with { Stage = ProvisioningStage.AwaitingOrganizationChoice });
                break;
            case NewAdminAction.RequireApproval:
                await approval.RequestAsync(organization, [.. check.FullAdmins.Take(OrderLimits.ApproversPerRequest).Select(a => a.Email)]);
                break;
        }
    }
}
