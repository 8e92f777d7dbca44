namespace ServerlessProvisioning.Primitives;

/// <summary>
/// How long each field a person types may be, in characters: the API refuses more, and the pages (through the generated
/// <c>assets/contract.js</c>) stop typing at it and say it. One home, so the two never disagree.
/// </summary>
public static class FieldLimits
{
    /// <summary>A company name: the wizard's, and an organization's name in the directory.</summary>
    public const int CompanyName = 200;

    /// <summary>An email address (the RFC 5321 path limit).</summary>
    public const int Email = 254;

    /// <summary>The approver's optional comment.</summary>
    public const int ApprovalComment = 1000;

    /// <summary>The operator's reason for cancelling an order, sent to the contact.</summary>
    public const int CancelReason = 500;

    /// <summary>An order, subscription or organization id.</summary>
    public const int Identifier = 100;

    /// <summary>The digits of the code that proves an admin address (exactly this many).</summary>
    public const int VerificationCodeDigits = 6;
}
