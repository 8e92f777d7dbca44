// What the pages must know of the server, generated from the C# by ServerlessProvisioning.Api.PageContract.
// Do not edit: change the C# and run `UPDATE_CONTRACT=1 dotnet test tests/ServerlessProvisioning.UnitTests --filter PageContract`.
// Every stage, outcome, gone reason, decision and audit action here has a label in i18n.js in both languages.

/**
 * Every stage, in workflow order (ProvisioningStage), with its traits (Stages):
 * - final: the workflow has ended.
 * - changeable: the company details can still be sent, or changed.
 * - cancellable: an operator may cancel.
 * - invitationResendable: an operator may resend or redirect the invitation.
 * - deadlineMovable: an operator may move the deadline of what the order waits for.
 * - reopenable: an operator may reopen the order.
 */
export const stages = Object.freeze({
  InvitationSent: Object.freeze({ final: false, changeable: true, cancellable: true, invitationResendable: true, deadlineMovable: true, reopenable: false }),
  AwaitingAdminEmailVerification: Object.freeze({ final: false, changeable: true, cancellable: true, invitationResendable: true, deadlineMovable: true, reopenable: false }),
  Matching: Object.freeze({ final: false, changeable: false, cancellable: true, invitationResendable: true, deadlineMovable: false, reopenable: false }),
  AwaitingOrganizationChoice: Object.freeze({ final: false, changeable: true, cancellable: true, invitationResendable: true, deadlineMovable: true, reopenable: false }),
  AwaitingAdminApproval: Object.freeze({ final: false, changeable: false, cancellable: true, invitationResendable: false, deadlineMovable: true, reopenable: false }),
  Assigning: Object.freeze({ final: false, changeable: false, cancellable: false, invitationResendable: false, deadlineMovable: false, reopenable: false }),
  Completed: Object.freeze({ final: true, changeable: false, cancellable: false, invitationResendable: false, deadlineMovable: false, reopenable: false }),
  Rejected: Object.freeze({ final: true, changeable: false, cancellable: false, invitationResendable: false, deadlineMovable: false, reopenable: true }),
  Expired: Object.freeze({ final: true, changeable: false, cancellable: false, invitationResendable: false, deadlineMovable: false, reopenable: true }),
  Cancelled: Object.freeze({ final: true, changeable: false, cancellable: false, invitationResendable: false, deadlineMovable: false, reopenable: false }),
  Failed: Object.freeze({ final: true, changeable: false, cancellable: false, invitationResendable: false, deadlineMovable: false, reopenable: true }),
});

/** How an order ended: its `outcome` (ProvisioningOutcome). */
export const outcomes = Object.freeze([
  'AssignedToExistingOrganization',
  'AssignedToNewOrganization',
  'AssignedPendingAdminAddition',
  'Rejected',
  'Expired',
  'Cancelled',
]);

/** Why a link answers 410: the problem's `reason` (LinkGoneReason). */
export const goneReasons = Object.freeze([
  'expired',
  'replaced',
  'cancelled',
  'withdrawn',
  'noLongerAdmin',
  'closed',
  'redirected',
  'decided',
  'restarted',
]);

/** Why a command answers 429: the problem's `reason` (LimitReason). */
export const limitReasons = Object.freeze([
  'tooManySubmissions',
  'tooManyCodes',
  'tooManyApprovalRequests',
]);

/** Why an emailed code no longer works: the `reason` of the 400 with `attemptsLeft: 0` (CodeDeadReason). */
export const codeDeadReasons = Object.freeze([
  'attemptsExhausted',
  'expired',
]);

/** How an approval request ended: the approval's `decision` (ApprovalEnd). */
export const approvalDecisions = Object.freeze([
  'approved',
  'rejected',
  'expired',
  'withdrawn',
  'closed',
]);

/** Every action an order's audit trail records: `audit[].action` (AuditAction). */
export const auditActions = Object.freeze([
  'OrderReceived',
  'InvitationSent',
  'InvitationReminderSent',
  'InvitationResendRequested',
  'WizardSubmitted',
  'SubmissionReplaced',
  'VerificationCodeSent',
  'VerificationCodeExpired',
  'VerificationCodeWrong',
  'VerificationCodeRefused',
  'AdminEmailVerified',
  'MatchedByRuleA',
  'MatchedByRuleAOfSeveral',
  'MatchedByRuleB',
  'ChoseOrganization',
  'ChoseNewOrganization',
  'ChoiceRejected',
  'AdminAdditionRequested',
  'ApprovalRequested',
  'ApprovalReminderSent',
  'Approved',
  'ApprovalWithdrawn',
  'AdministratorAdded',
  'Assigned',
  'Rejected',
  'Expired',
  'Cancelled',
  'Failed',
  'OutcomeSent',
  'CallbackDelivered',
  'CallbackFailed',
  'EmailThrottled',
  'EmailSentAfterThrottling',
  'IgnoredStaleCommand',
  'SubmissionLimitReached',
  'CodeLimitReached',
  'ApprovalLimitReached',
  'DecisionRefused',
  'ApproversChanged',
  'ApprovalClosed',
  'DeadlineMoved',
  'ApprovalReminderRequested',
  'AdminAdditionApproved',
  'AdminAdditionDeclined',
  'OrderReopened',
  'OrderRestarted',
  'EmailDeliveryFailed',
]);

/** The longest value of each field, in characters, and the digits of a verification code (FieldLimits). */
export const limits = Object.freeze({
  approvalComment: 1000,
  cancelReason: 500,
  companyName: 200,
  email: 254,
  identifier: 100,
  verificationCodeDigits: 6,
});

/** What stands for the hidden part of a candidate administrator's masked address (AdminAddressDisclosure): such an address is not one to write to. */
export const hiddenAddressPart = '•••';
