using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// A stage in which the workflow waits for a person. It waits once and handles what came; a command every waiting
/// stage takes the same way (a new submission, a cancel, a resend) goes back to the loop.
/// </summary>
interface IWait
{
    /// <summary>Waits for the next command or deadline; returns it when the loop handles it, else null.</summary>
    Task<Happening?> WaitAsync();
}

/// <summary>The invitation: sent, reminded, resent or redirected, and the wait for the wizard's submission.</summary>
sealed class Invitation(OrderRun run, Ending ending) : IWait
{
    const string Reminder = "InvitationReminder";
    const string Expiry = "InvitationDeadline";

    /// <summary>
    /// Sends the invitation of a new generation. The new step is published before the link goes out, so whoever
    /// follows the link finds the workflow waiting for it; the new generation in it is what makes every older link
    /// answer 410 at once (see WorkflowGateway.OpenLinkAsync).
    /// </summary>
    public async Task InviteAsync(int generation, string? previousContact, string? reason = null)
    {
        var deadline = run.State.InvitationDeadline;
        run.Outbox.Audit("system", AuditAction.InvitationSent, reason is null ? $"Generation {generation}; expires {deadline:O}" : $"Generation {generation}; {reason}");
        var next = run.Status with
        {
            Stage = ProvisioningStage.InvitationSent,
            ExpiresAt = deadline,
            InvitationGeneration = generation,
            ContactEmail = run.Contact,
            Submission = null,
            Verification = null,
            Candidates = null,
            CandidateIds = null,
            OmittedCandidates = 0,
            MatchKind = null,
            Notice = null,
            Organization = null,
            Approval = null,

            // A new invitation (maybe to someone else) starts its own codes and approval requests, and forgets the proof.
            CodesSent = 0,
            ApprovalRequestsSent = 0,
            Submissions = 0,
            ProvenAdmin = null,
        };

        // From 1.3 the invitation's activity records the new step before it sends the link (an activity fewer).
        run.Advance(next);
        var request = new InvitationRequest(run.Mail, run.Contact, generation, deadline, IsReminder: false, previousContact, await run.Outbox.RecordOrCarryAsync());

        await run.Outbox.SendAsync(nameof(SendInvitation), o => run.Context.SendInvitationAsync(request, o));
    }

    /// <inheritdoc/>
    public async Task<Happening?> WaitAsync()
    {
        var next = await run.Inbox.NextAsync(Accept.Submission | Accept.Resend | Accept.Cancel, Deadlines());
        return await OnDeadlineAsync(next, "The invitation expired before the wizard was completed.") ? null : next;
    }

    /// <summary>The invitation's reminder (until it went out) and its expiry: the deadlines of every stage before the choice is made.</summary>
    public IEnumerable<Deadline> Deadlines()
    {
        var timings = run.Timings;
        if (!run.State.InvitationReminderSent && timings.InvitationReminderBefore > TimeSpan.Zero && timings.InvitationReminderBefore < timings.InvitationLifetime)
        {
            yield return new Deadline(Reminder, run.State.InvitationDeadline - timings.InvitationReminderBefore);
        }

        yield return new Deadline(Expiry, run.State.InvitationDeadline);
    }

    /// <summary>Handles the invitation's reminder or expiry; false for anything else.</summary>
    public async Task<bool> OnDeadlineAsync(Happening next, string expiredDetail)
    {
        switch (next)
        {
            case Timer { Name: Reminder }:
                await SendReminderAsync();
                return true;
            case Timer { Name: Expiry }:
                await ending.FinishAsync(ProvisioningStage.Expired, ProvisioningOutcome.Expired, "system", expiredDetail);
                return true;
            default:
                return false;
        }
    }

    /// <summary>An operator resends the invitation, maybe to another contact: a new link, the full lifetime again, and the admin address forgotten.</summary>
    public async Task ResendAsync(InvitationResendRequested resend)
    {
        var previous = run.Contact;
        var contact = resend.ProvisioningContactEmail ?? previous;
        run.Outbox.Audit(resend.Operator, AuditAction.InvitationResendRequested, EmailAddress.SamePerson(previous, contact) ? "Same contact" : $"Contact changed from {previous} to {contact}", resend.At);
        run.State = run.State with
        {
            ContactEmail = contact,
            InvitationDeadline = run.Now + run.Timings.InvitationLifetime,
            InvitationReminderSent = false,
            RequestedAdmin = null,
        };
        await InviteAsync(run.Status.InvitationGeneration + 1, previous, "resent by operator");
    }

    /// <summary>
    /// An operator reopens a finished order: like a resend, a new invitation (a new link, the full lifetime again), maybe
    /// to another contact; every earlier link answers 410.
    /// </summary>
    public async Task ReopenAsync(Reopening reopening)
    {
        var previous = reopening.ContactEmail;
        var contact = reopening.NewContactEmail ?? previous;
        var detail = $"Ended {reopening.Previous}; " + (EmailAddress.SamePerson(previous, contact) ? "same contact" : $"contact changed from {previous} to {contact}");
        run.Outbox.Audit(reopening.Actor, AuditAction.OrderReopened, detail, reopening.At);
        run.State = run.State with
        {
            ContactEmail = contact,
            InvitationDeadline = run.Now + run.Timings.InvitationLifetime,
            InvitationReminderSent = false,
            RequestedAdmin = null,
        };
        await InviteAsync(reopening.Generation + 1, previous, "reopened by operator");
    }

    /// <summary>
    /// The contact starts again after a refusal or an approval that expired: back at the form with the same link, until
    /// the invitation's own deadline. It is the same invitation, so its limits (codes, approval requests, submissions)
    /// go on counting; no email goes out, the contact is on the page.
    /// </summary>
    public async Task RestartAsync(Reopening restart)
    {
        run.Outbox.Audit(restart.Actor, AuditAction.OrderRestarted, $"Ended {restart.Previous}; back at the form until {run.State.InvitationDeadline:O}", restart.At);
        await run.EnterAsync(run.Status);
    }

    /// <summary>
    /// An operator moves the invitation's deadline (and with it the choice's): the contact's link works until then, and
    /// its reminder goes out again before it when that is still ahead.
    /// </summary>
    public async Task MoveDeadlineAsync(DeadlineChangeRequested moved)
    {
        var remindAt = moved.ExpiresAt - run.Timings.InvitationReminderBefore;
        run.State = run.State with { InvitationDeadline = moved.ExpiresAt, InvitationReminderSent = run.State.InvitationReminderSent && remindAt <= run.Now };
        run.Outbox.Audit(moved.Operator, AuditAction.DeadlineMoved, $"Invitation deadline {moved.ExpiresAt:O}", moved.At);
        await run.EnterAsync(run.Status with { ExpiresAt = moved.ExpiresAt });
    }

    async Task SendReminderAsync()
    {
        run.State = run.State with { InvitationReminderSent = true };
        var request = new InvitationRequest(run.Mail, run.Contact, run.Status.InvitationGeneration, run.State.InvitationDeadline, IsReminder: true);
        await run.Outbox.SendAsync(nameof(SendInvitation), o => run.Context.SendInvitationAsync(request, o));
        run.Outbox.Audit("system", AuditAction.InvitationReminderSent);
        await run.Outbox.RecordAsync();
    }
}
