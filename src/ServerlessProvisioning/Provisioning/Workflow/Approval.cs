using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// The existing administrators' approval: each full admin gets a link of their own and the first decision counts;
/// the contact may withdraw the request (back to the choice); the others hear how it ended. From 1.2 it follows the
/// directory while it waits: administrators added to the organization are asked too, and a request whose organization
/// was deleted or no longer fits is closed and the contact chooses again.
/// </summary>
sealed class Approval(OrderRun run, Ending ending) : IWait
{
    const string Reminder = "ApprovalReminder";
    const string Expiry = "ApprovalDeadline";

    /// <summary>Asks the organization's full admins to approve the requested admin, in a new round.</summary>
    public async Task RequestAsync(OrganizationView organization, IReadOnlyList<string> approvers)
    {
        var round = run.State.ApprovalRound + 1;
        var deadline = run.Now + run.Timings.ApprovalLifetime;
        var admin = run.State.RequestedAdmin!;
        var mail = new ApprovalMailRequest(
            run.Mail, run.Contact, run.Status.Submission!.CompanyName, admin, organization.OrganizationId, organization.Name, approvers, round, deadline, IsReminder: false);
        run.State = run.State with { ApprovalRound = round, ApprovalDeadline = deadline, ApprovalReminderSent = false, ApprovalMail = mail };
        run.Outbox.Audit("system", AuditAction.ApprovalRequested, $"{admin} for {organization.OrganizationId}; asked {approvers.Count} full admin(s); expires {deadline:O}");
        var next = run.Status with
        {
            Stage = ProvisioningStage.AwaitingAdminApproval,
            Organization = organization,
            Approval = new ApprovalView(organization.OrganizationId, organization.Name, admin, deadline, approvers, run.Contact, Round: round),
            ExpiresAt = deadline,
            ApprovalRequestsSent = run.Status.ApprovalRequestsSent + 1,
        };

        // From 1.4 the request's activity records the step before it sends the links (an activity fewer); a link opened
        // at once waits for the step's status (WorkflowGateway.OpenLinkAsync).
        run.Advance(next);
        var request = mail with { Progress = await run.Outbox.RecordOrCarryAsync(ProvisioningWorkflow.Concludes) };
        await run.Outbox.SendAsync(nameof(SendApprovalRequests), o => run.Context.SendApprovalRequestsAsync(request, o));
    }

    /// <inheritdoc/>
    public async Task<Happening?> WaitAsync()
    {
        var follows = run.Takes(ProvisioningWorkflow.FollowsDirectory);
        var next = await run.Inbox.NextAsync(Accept.Approval | Accept.Withdrawal | Accept.Cancel | (follows ? Accept.DirectoryChange | Accept.Reminder : 0), Deadlines());
        var organization = run.Status.Organization!;
        var approval = run.Status.Approval!;
        switch (next)
        {
            case Timer { Name: Reminder }:
                run.State = run.State with { ApprovalReminderSent = true };
                var reminder = run.State.ApprovalMail! with { IsReminder = true };
                await run.Outbox.SendAsync(nameof(SendApprovalRequests), o => run.Context.SendApprovalRequestsAsync(reminder, o));
                run.Outbox.Audit("system", AuditAction.ApprovalReminderSent);
                await run.Outbox.RecordAsync();
                break;
            case Timer:
                run.Status = run.Status with { Approval = approval with { Decision = ApprovalEnd.Expired } };
                await CloseAsync(ApprovalEnd.Expired, decidedBy: null, approval.Approvers);
                await ending.FinishAsync(ProvisioningStage.Expired, ProvisioningOutcome.Expired, "system", "The existing administrator did not decide before the deadline.");
                break;
            case Command<ApprovalDecided> decided when run.DecidesInOne:
                await DecideAsync(organization, approval, decided.Event);
                break;
            case Command<ApprovalDecided> decided when run.Takes(ProvisioningWorkflow.Bounded) && !await StillStandsAsync(organization, approval, decided.Event):
                break;
            case Command<ApprovalDecided> { Event.Approved: true } decided:
                await ApproveAsync(organization, approval, decided.Event);
                break;
            case Command<ApprovalDecided> rejected:
                var e = rejected.Event;
                run.Status = run.Status with { Approval = approval with { Decision = ApprovalEnd.Rejected, DecidedBy = e.DecidedBy, Comment = e.Comment, DecidedAt = e.At } };
                await CloseAsync(ApprovalEnd.Rejected, e.DecidedBy, OthersThan(approval, e.DecidedBy));
                await ending.FinishAsync(ProvisioningStage.Rejected, ProvisioningOutcome.Rejected, e.DecidedBy, e.Comment, action: AuditAction.Rejected);
                break;
            case Command<ApprovalReminderRequested> reminded:
                await RemindAsync(reminded.Event);
                break;
            case Command<OrganizationChanged> changed when changed.Event.OrganizationId == organization.OrganizationId:
                await FollowAsync(organization, approval);
                break;
            case Command<OrganizationChanged>:
                // Another organization's change, buffered while the order waited elsewhere: nothing to follow.
                break;
            case Command<ApprovalWithdrawn> withdrawn:
                // Back to the choice the contact had, under the invitation's deadline; the approvers' links die now.
                run.Outbox.Audit(run.Contact, AuditAction.ApprovalWithdrawn, $"Request to {organization.OrganizationId} withdrawn", withdrawn.Event.At);
                await run.EnterAsync(run.Status with
                {
                    Stage = ProvisioningStage.AwaitingOrganizationChoice,
                    Approval = approval with { Decision = ApprovalEnd.Withdrawn, DecidedAt = withdrawn.Event.At },
                    Organization = null,
                    ExpiresAt = run.State.InvitationDeadline,
                });
                await CloseAsync(ApprovalEnd.Withdrawn, decidedBy: null, approval.Approvers);
                break;
            default:
                return next;
        }

        return null;
    }

    List<Deadline> Deadlines()
    {
        var timings = run.Timings;
        var deadlines = new List<Deadline>();
        if (!run.State.ApprovalReminderSent && timings.ApprovalReminderBefore > TimeSpan.Zero && timings.ApprovalReminderBefore < timings.ApprovalLifetime)
        {
            deadlines.Add(new Deadline(Reminder, run.State.ApprovalDeadline - timings.ApprovalReminderBefore));
        }

        deadlines.Add(new Deadline(Expiry, run.State.ApprovalDeadline));
        return deadlines;
    }

    // A decision counts only against the directory as it is now: from someone who is still a full administrator of an
    // organization that still exists. Otherwise nothing is decided, the order keeps waiting (a new step, so the
    // others can still answer) or, with its organization gone, goes back to the choice without it.
    async Task<bool> StillStandsAsync(OrganizationView organization, ApprovalView approval, ApprovalDecided decided) =>
        await StandsAsync(organization, approval, decided, await run.Context.InspectAsync(new InspectRequest(organization.OrganizationId, decided.DecidedBy), run.ActivityOptions));

    // 1.5: the decision ends the order in the ending's one activity, which checks it against the directory first (what
    // StillStandsAsync did with an activity of its own) and, approved, adds the administrator and assigns. One that
    // does not stand changed nothing, and goes where StillStandsAsync sends it. The other approvers hear of a decision
    // that stood once the order has ended.
    async Task DecideAsync(OrganizationView organization, ApprovalView approval, ApprovalDecided decided)
    {
        var before = run.Status;
        var entriesBefore = run.Outbox.Pending;
        var check = new DecisionCheck(organization.OrganizationId, decided.DecidedBy, NewAdminPolicy.OrganizationTypeFor(run.Order.Scenario));
        var end = decided.Approved ? ApprovalEnd.Approved : ApprovalEnd.Rejected;
        run.Status = run.Status with { Approval = approval with { Decision = end, DecidedBy = decided.DecidedBy, Comment = decided.Comment, DecidedAt = decided.At } };
        OrganizationCheck? refused;
        if (decided.Approved)
        {
            var admin = run.State.RequestedAdmin!;
            run.Outbox.Audit(decided.DecidedBy, AuditAction.Approved, decided.Comment, decided.At);
            run.Outbox.Audit("system", AuditAction.AdministratorAdded, $"{admin} to {organization.OrganizationId}");
            run.Status = run.Status with { Stage = ProvisioningStage.Assigning, Organization = organization };
            refused = await ending.FinishIfStandsAsync(
                check, before, entriesBefore, ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization, "system", ending.Assigned(), AuditAction.Assigned,
                new AssignRequest(run.Order.OrderId, run.Order.SubscriptionId, organization.OrganizationId, null),
                new AddAdministratorRequest(organization.OrganizationId, admin));
        }
        else
        {
            refused = await ending.FinishIfStandsAsync(check, before, entriesBefore, ProvisioningStage.Rejected, ProvisioningOutcome.Rejected, decided.DecidedBy, decided.Comment, AuditAction.Rejected);
        }

        if (refused is not null)
        {
            await StandsAsync(organization, approval, decided, refused);
            return;
        }

        // The order has ended: telling the others cannot change that, so a failure here is logged, not the order's.
        try
        {
            await CloseAsync(end, decided.DecidedBy, OthersThan(approval, decided.DecidedBy));
        }
        catch (TaskFailedException failure)
        {
            run.Logger.LogWarning("Order {OrderId}: the other approvers could not be told how the request ended ({Error})", run.Order.OrderId, failure.FailureDetails.ErrorType);
        }
    }

    async Task<bool> StandsAsync(OrganizationView organization, ApprovalView approval, ApprovalDecided decided, OrganizationCheck check)
    {
        if (run.Takes(ProvisioningWorkflow.FollowsDirectory) && Choice.WhyNot(run, check) is { } reason)
        {
            await CloseForDirectoryAsync(organization, approval, reason);
            return false;
        }

        if (!check.Exists)
        {
            run.Outbox.Audit("system", AuditAction.ChoiceRejected, $"{organization.OrganizationId} no longer exists; the approval request is closed");
            await run.EnterAsync(run.Status with
            {
                Stage = ProvisioningStage.AwaitingOrganizationChoice,
                Approval = approval with { Decision = ApprovalEnd.Withdrawn, DecidedAt = decided.At },
                Organization = null,
                CandidateIds = run.Status.CandidateIds?.Where(id => id != organization.OrganizationId).ToList(),
                ExpiresAt = run.State.InvitationDeadline,
            });
            return false;
        }

        if (!check.AdminIsFullAdmin)
        {
            run.Outbox.Audit(decided.DecidedBy, AuditAction.DecisionRefused, $"Not a full administrator of {organization.OrganizationId} any more", decided.At);
            await run.EnterAsync(run.Status);
            return false;
        }

        return true;
    }

    /// <summary>An operator moves the approval's deadline: the approvers' links work until then, and its reminder goes out again before it when that is still ahead.</summary>
    public async Task MoveDeadlineAsync(DeadlineChangeRequested moved)
    {
        var remindAt = moved.ExpiresAt - run.Timings.ApprovalReminderBefore;
        run.State = run.State with
        {
            ApprovalDeadline = moved.ExpiresAt,
            ApprovalReminderSent = run.State.ApprovalReminderSent && remindAt <= run.Now,
            ApprovalMail = run.State.ApprovalMail! with { ExpiresAt = moved.ExpiresAt },
        };
        run.Outbox.Audit(moved.Operator, AuditAction.DeadlineMoved, $"Approval deadline {moved.ExpiresAt:O}", moved.At);
        await run.EnterAsync(run.Status with { ExpiresAt = moved.ExpiresAt, Approval = run.Status.Approval! with { ExpiresAt = moved.ExpiresAt } });
    }

    // An operator asks the current approvers again: each gets a reminder with their own link (the same round, so the
    // link they have keeps working), under a key of its own so the email service does not take it for a repeat.
    async Task RemindAsync(ApprovalReminderRequested reminded)
    {
        var nudge = run.State.OperatorReminders + 1;
        run.State = run.State with { OperatorReminders = nudge };
        var reminder = run.State.ApprovalMail! with { IsReminder = true, Nudge = nudge };
        run.Outbox.Audit(reminded.Operator, AuditAction.ApprovalReminderRequested, $"{reminder.Approvers.Count} approver(s) reminded", reminded.At);
        await run.EnterAsync(run.Status);
        await run.Outbox.SendAsync(nameof(SendApprovalRequests), o => run.Context.SendApprovalRequestsAsync(reminder, o));
    }

    // The organization changed while the request waited (the directory's write raised OrganizationChanged): read it as
    // it is now. Gone or no longer fitting: the request closes. Otherwise the approvers become the full administrators
    // a request made now would ask; those not asked yet get their link (same round, same deadline). Someone removed
    // from the organization cannot decide any more: the link checks the directory when it is used (410 noLongerAdmin).
    async Task FollowAsync(OrganizationView organization, ApprovalView approval)
    {
        var check = await run.Context.InspectAsync(new InspectRequest(organization.OrganizationId, run.State.RequestedAdmin!), run.ActivityOptions);
        if (Choice.WhyNot(run, check) is { } reason)
        {
            await CloseForDirectoryAsync(organization, approval, reason);
            return;
        }

        var approvers = check.FullAdmins.Take(OrderLimits.ApproversPerRequest).Select(a => a.Email).ToList();
        var added = approvers.Where(a => !approval.Approvers.Any(b => EmailAddress.SamePerson(a, b))).ToList();
        var dropped = approval.Approvers.Where(b => !approvers.Any(a => EmailAddress.SamePerson(a, b))).ToList();
        if (added.Count == 0 && dropped.Count == 0)
        {
            return;
        }

        run.State = run.State with { ApprovalMail = run.State.ApprovalMail! with { Approvers = approvers } };
        run.Status = run.Status with { Approval = approval with { Approvers = approvers } };
        run.Outbox.Audit("system", AuditAction.ApproversChanged, $"{organization.OrganizationId} changed: asked {added.Count} more ({string.Join(", ", added)}); {dropped.Count} no longer asked ({string.Join(", ", dropped)})");
        run.Context.SetCustomStatus(run.Status);
        await run.Outbox.RecordAsync();
        if (added.Count > 0)
        {
            var mail = run.State.ApprovalMail with { Approvers = added, IsReminder = false };
            await run.Outbox.SendAsync(nameof(SendApprovalRequests), o => run.Context.SendApprovalRequestsAsync(mail, o));
        }
    }

    // The organization cannot take the order any more: the request closes, its approvers are told and their links die,
    // and the contact is told and chooses again without it, with at least an approval's time to do so.
    async Task CloseForDirectoryAsync(OrganizationView organization, ApprovalView approval, string reason)
    {
        var chooseBy = run.State.InvitationDeadline > run.Now + run.Timings.ApprovalLifetime ? run.State.InvitationDeadline : run.Now + run.Timings.ApprovalLifetime;
        run.State = run.State with { InvitationDeadline = chooseBy };
        run.Outbox.Audit("system", AuditAction.ApprovalClosed, $"{organization.OrganizationId} {reason}; the contact chooses again until {chooseBy:O}");
        await run.EnterAsync(run.Status with
        {
            Stage = ProvisioningStage.AwaitingOrganizationChoice,
            Approval = approval with { Decision = ApprovalEnd.Closed, DecidedAt = run.Now },
            Organization = null,
            Candidates = run.Status.Candidates?.Where(c => c.OrganizationId != organization.OrganizationId).ToList(),
            CandidateIds = run.Status.CandidateIds?.Where(id => id != organization.OrganizationId).ToList(),
            ExpiresAt = chooseBy,
        });
        var contact = new ContactNotice(run.Contact, run.Status.InvitationGeneration, chooseBy);
        var request = new ApprovalClosedMailRequest(run.Mail, run.State.ApprovalMail!.OrganizationName, run.State.RequestedAdmin!, run.State.ApprovalRound, approval.Approvers, ApprovalEnd.Closed, null, contact);
        await run.Outbox.SendAsync(nameof(CloseApprovalRequest), o => run.Context.CloseApprovalRequestAsync(request, o));
    }

    async Task ApproveAsync(OrganizationView organization, ApprovalView approval, ApprovalDecided decided)
    {
        var admin = run.State.RequestedAdmin!;
        run.Outbox.Audit(decided.DecidedBy, AuditAction.Approved, decided.Comment, decided.At);
        run.Status = run.Status with { Approval = approval with { Decision = ApprovalEnd.Approved, DecidedBy = decided.DecidedBy, Comment = decided.Comment, DecidedAt = decided.At } };
        // From 1.3 the addition's activity records the Assigning stage before it adds the administrator.
        var assigning = await ending.EnterAssigningAsync(organization);
        var assign = new AssignRequest(run.Order.OrderId, run.Order.SubscriptionId, organization.OrganizationId, null);

        // From 1.4 the addition's activity also assigns the subscription (one activity fewer).
        await run.Context.AddAdministratorAsync(new AddAdministratorRequest(organization.OrganizationId, admin, assigning, run.Concludes ? assign : null), run.ActivityOptions);
        run.Outbox.Audit("system", AuditAction.AdministratorAdded, $"{admin} to {organization.OrganizationId}");
        if (!run.Concludes)
        {
            await run.Context.AssignAsync(assign, run.ActivityOptions);
        }

        // The other approvers hear of it once it is done (not before a step that could still fail), and a
        // throttled email service cannot hold the assignment up.
        await CloseAsync(ApprovalEnd.Approved, decided.DecidedBy, OthersThan(approval, decided.DecidedBy));
        await ending.CompleteAsync(ProvisioningOutcome.AssignedToExistingOrganization);
    }

    static List<string> OthersThan(ApprovalView approval, string approver) => approval.Approvers.Where(a => !EmailAddress.SamePerson(a, approver)).ToList();

    // Tells the approvers who did not end the request how it ended, and kills their links.
    Task CloseAsync(ApprovalEnd end, string? decidedBy, IReadOnlyList<string> recipients)
    {
        if (recipients.Count == 0 && run.Concludes)
        {
            // Nobody to tell (the one approver decided): from 1.4 no activity runs for it.
            return Task.CompletedTask;
        }

        var request = new ApprovalClosedMailRequest(run.Mail, run.State.ApprovalMail!.OrganizationName, run.State.RequestedAdmin!, run.State.ApprovalRound, recipients, end, decidedBy);
        return run.Outbox.SendAsync(nameof(CloseApprovalRequest), o => run.Context.CloseApprovalRequestAsync(request, o));
    }
}
