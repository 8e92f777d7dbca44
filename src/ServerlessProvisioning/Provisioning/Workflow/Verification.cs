using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Provisioning.Workflow;

/// <summary>
/// The wizard's submission and the proof of its admin address: the invitation link proves the contact's own address;
/// any other gets a code, and nothing is revealed until the contact enters it (once per invitation).
/// </summary>
sealed class Verification(OrderRun run, Invitation invitation, Choice choice) : IWait
{
    const string CodeExpiry = "VerificationExpiry";

    /// <summary>Takes a submission: accepted until an organization is chosen; a later one replaces the earlier (a typo fixed by submitting again).</summary>
    public async Task SubmitAsync(WizardSubmitted submitted)
    {
        var replacing = run.Status.Submission is not null;
        var admin = EmailAddress.Normalize(submitted.AdminEmail);
        if (run.Takes(ProvisioningWorkflow.Bounded) && run.Status.SubmissionsExhausted())
        {
            // The wizard API answers 429 first; one that still arrives (a race) is recorded and changes nothing.
            run.Outbox.Audit(run.Contact, AuditAction.SubmissionLimitReached, $"{OrderLimits.SubmissionsPerInvitation} submissions already taken under this invitation", submitted.At);
            await run.EnterAsync(run.Status);
            return;
        }

        if (run.Takes(ProvisioningWorkflow.Bounded) && run.Status.NeedsCode(admin) && run.Status.CodesExhausted())
        {
            // The wizard API answers 429 first; one that still arrives (a race) is recorded and changes nothing.
            run.Outbox.Audit(run.Contact, AuditAction.CodeLimitReached, $"No code sent to {admin}: {OrderLimits.CodesPerInvitation} already sent under this invitation", submitted.At);
            await run.EnterAsync(run.Status);
            return;
        }

        run.State = run.State with { RequestedAdmin = admin };
        run.Outbox.Audit(run.Contact, replacing ? AuditAction.SubmissionReplaced : AuditAction.WizardSubmitted, $"Company '{submitted.CompanyName}', admin {admin}", submitted.At);
        run.Status = run.Status with { Submissions = run.Status.Submissions + 1, Submission = new SubmissionView(submitted.CompanyName, admin), Verification = null, Candidates = null, CandidateIds = null, OmittedCandidates = 0, MatchKind = null, Notice = null, Organization = null, Approval = null };

        if (!run.Status.NeedsCode(admin))
        {
            await choice.MatchAsync();
            return;
        }

        var round = run.State.VerificationRound + 1;
        run.State = run.State with { VerificationRound = round };
        var expires = run.Now + (run.Timings.VerificationLifetime ?? ProvisioningWorkflow.VerificationLifetime);
        run.Outbox.Audit("system", AuditAction.VerificationCodeSent, $"To {admin}; works until {expires:O}");
        await run.EnterAsync(run.Status with
        {
            Stage = ProvisioningStage.AwaitingAdminEmailVerification,
            Verification = new VerificationView(admin, expires, ProvisioningWorkflow.VerificationAttempts, Expired: false, round),
            ExpiresAt = run.State.InvitationDeadline,
            CodesSent = run.Status.CodesSent + 1,
        });

        // Nothing the requester typed goes to the stranger's address: the code, the contact and the order only.
        var request = new VerificationMailRequest(run.Mail, run.Contact, admin, CompanyName: null, round, expires);
        await run.Outbox.SendAsync(nameof(SendVerificationCode), o => run.Context.SendVerificationCodeAsync(request, o));
    }

    /// <inheritdoc/>
    public async Task<Happening?> WaitAsync()
    {
        var verification = run.Status.Verification!;
        var deadlines = verification.Expired ? invitation.Deadlines() : invitation.Deadlines().Append(new Deadline(CodeExpiry, verification.ExpiresAt));
        var next = await run.Inbox.NextAsync(Accept.Submission | Accept.Verification | Accept.Resend | Accept.Cancel, deadlines);
        switch (next)
        {
            case Timer { Name: CodeExpiry }:
                run.Outbox.Audit("system", AuditAction.VerificationCodeExpired);
                await run.EnterAsync(run.Status with { Verification = verification with { Expired = true } });
                return null;
            case Command<VerificationCodeEntered> entered when !verification.Expired && verification.AttemptsLeft > 0:
                await CheckAsync(verification, entered.Event);
                return null;
            case Command<VerificationCodeEntered> late:
                // The code is dead; the page knows it from the state. Move on a step so the sender's answer arrives.
                run.Outbox.Audit(run.Contact, AuditAction.VerificationCodeRefused, "The code no longer works.", late.Event.At);
                await run.EnterAsync(run.Status);
                return null;
            default:
                return await invitation.OnDeadlineAsync(next, "The invitation expired before the administrator's address was confirmed.") ? null : next;
        }
    }

    async Task CheckAsync(VerificationView verification, VerificationCodeEntered entered)
    {
        var correct = await run.Context.CheckVerificationCodeAsync(new VerificationCheck(run.Context.InstanceId, verification.Round, verification.SentTo, entered.Code), run.ActivityOptions);
        if (correct)
        {
            run.Outbox.Audit(run.Contact, AuditAction.AdminEmailVerified, verification.SentTo, entered.At);
            run.Status = run.Status with { ProvenAdmin = verification.SentTo };
            await choice.MatchAsync();
            return;
        }

        var left = verification.AttemptsLeft - 1;
        run.Outbox.Audit(run.Contact, AuditAction.VerificationCodeWrong, left == 0 ? "No attempts left; the code no longer works." : $"{left} attempt(s) left", entered.At);
        await run.EnterAsync(run.Status with { Verification = verification with { AttemptsLeft = left } });
    }
}
