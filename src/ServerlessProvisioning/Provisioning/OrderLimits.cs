using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Provisioning;

/// <summary>
/// The loops a person can drive, capped per invitation (an operator's resend starts a new one), and the rule the
/// wizard API and the workflow both apply to know whether a submission costs a code.
/// </summary>
public static class OrderLimits
{
    /// <summary>
    /// Submissions one invitation takes: each one matches and grows the order's history, so a link holder submitting
    /// in a loop cannot grow it without bound. Far more than a person fixing typos needs.
    /// </summary>
    public const int SubmissionsPerInvitation = 20;

    /// <summary>Verification codes one invitation may send: each goes to an address the contact typed, a stranger's maybe.</summary>
    public const int CodesPerInvitation = 5;

    /// <summary>Approval requests one invitation may make: each mails an organization's administrators.</summary>
    public const int ApprovalRequestsPerInvitation = 3;

    /// <summary>
    /// The most full administrators one approval request (or add-admin request) goes to: the first ten as the directory
    /// lists them. Each gets a link and an email the order pays for, whatever the organization's size.
    /// </summary>
    public const int ApproversPerRequest = 10;

    /// <summary>
    /// Whether a submission with this admin address needs a code: not for the contact's own address (the invitation
    /// link proves it) nor for one a code already proved under this invitation.
    /// </summary>
    public static bool NeedsCode(this ProvisioningStatus status, string adminEmail)
    {
        ArgumentNullException.ThrowIfNull(status);
        return !((status.ContactEmail is { } contact && EmailAddress.SamePerson(adminEmail, contact))
            || (status.ProvenAdmin is { } proven && EmailAddress.SamePerson(adminEmail, proven)));
    }

    /// <summary>Whether this invitation has taken all the submissions it may.</summary>
    public static bool SubmissionsExhausted(this ProvisioningStatus status) => status?.Submissions >= SubmissionsPerInvitation;

    /// <summary>Whether this invitation has sent all the codes it may.</summary>
    public static bool CodesExhausted(this ProvisioningStatus status) => status?.CodesSent >= CodesPerInvitation;

    /// <summary>Whether this invitation has made all the approval requests it may.</summary>
    public static bool ApprovalRequestsExhausted(this ProvisioningStatus status) => status?.ApprovalRequestsSent >= ApprovalRequestsPerInvitation;
}
