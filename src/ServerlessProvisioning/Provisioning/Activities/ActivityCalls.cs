using Microsoft.DurableTask;
using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Provisioning.Activities;

/// <summary>
/// The workflow's activities as typed calls, one line each: a request of the wrong type does not compile, and no
/// activity is named by a string (the name is the class's, by <c>nameof</c>). Mail activities answer a
/// <see cref="MailDelivery"/>, which the workflow's outbox reads for throttling.
/// </summary>
public static class ActivityCalls
{
    /// <summary>Runs <see cref="Match"/>.</summary>
    public static Task<MatchResult> MatchAsync(this TaskOrchestrationContext context, MatchRequest request, TaskOptions options) => Call<MatchResult>(context, nameof(Match), request, options);

    /// <summary>Runs <see cref="Inspect"/>.</summary>
    public static Task<OrganizationCheck> InspectAsync(this TaskOrchestrationContext context, InspectRequest request, TaskOptions options) => Call<OrganizationCheck>(context, nameof(Inspect), request, options);

    /// <summary>Runs <see cref="CheckVerificationCode"/>: whether the code is right.</summary>
    public static Task<bool> CheckVerificationCodeAsync(this TaskOrchestrationContext context, VerificationCheck request, TaskOptions options) => Call<bool>(context, nameof(CheckVerificationCode), request, options);

    /// <summary>Runs <see cref="Assign"/>.</summary>
    public static Task AssignAsync(this TaskOrchestrationContext context, AssignRequest request, TaskOptions options) => Call(context, nameof(Assign), request, options);

    /// <summary>Runs <see cref="AddAdministrator"/>.</summary>
    public static Task AddAdministratorAsync(this TaskOrchestrationContext context, AddAdministratorRequest request, TaskOptions options) => Call(context, nameof(AddAdministrator), request, options);

    /// <summary>Runs <see cref="RecordProgress"/>.</summary>
    public static Task RecordProgressAsync(this TaskOrchestrationContext context, ProgressRequest request, TaskOptions options) => Call(context, nameof(RecordProgress), request, options);

    /// <summary>Runs <see cref="DeliverCallback"/>: whether a callback was delivered (false when none is configured).</summary>
    public static Task<bool> DeliverCallbackAsync(this TaskOrchestrationContext context, CallbackRequest request, TaskOptions options) => Call<bool>(context, nameof(DeliverCallback), request, options);

    /// <summary>Runs <see cref="SendInvitation"/>.</summary>
    public static Task<MailDelivery> SendInvitationAsync(this TaskOrchestrationContext context, InvitationRequest request, TaskOptions options) => Call<MailDelivery>(context, nameof(SendInvitation), request, options);

    /// <summary>Runs <see cref="SendVerificationCode"/>.</summary>
    public static Task<MailDelivery> SendVerificationCodeAsync(this TaskOrchestrationContext context, VerificationMailRequest request, TaskOptions options) => Call<MailDelivery>(context, nameof(SendVerificationCode), request, options);

    /// <summary>Runs <see cref="SendApprovalRequests"/>.</summary>
    public static Task<MailDelivery> SendApprovalRequestsAsync(this TaskOrchestrationContext context, ApprovalMailRequest request, TaskOptions options) => Call<MailDelivery>(context, nameof(SendApprovalRequests), request, options);

    /// <summary>Runs <see cref="CloseApprovalRequest"/>.</summary>
    public static Task<MailDelivery> CloseApprovalRequestAsync(this TaskOrchestrationContext context, ApprovalClosedMailRequest request, TaskOptions options) => Call<MailDelivery>(context, nameof(CloseApprovalRequest), request, options);

    /// <summary>Runs <see cref="SendAssignmentNotice"/>.</summary>
    public static Task<MailDelivery> SendAssignmentNoticeAsync(this TaskOrchestrationContext context, AssignmentNoticeRequest request, TaskOptions options) => Call<MailDelivery>(context, nameof(SendAssignmentNotice), request, options);

    /// <summary>Runs <see cref="SendAddAdminRequest"/>.</summary>
    public static Task<MailDelivery> SendAddAdminRequestAsync(this TaskOrchestrationContext context, AddAdminMailRequest request, TaskOptions options) => Call<MailDelivery>(context, nameof(SendAddAdminRequest), request, options);

    /// <summary>Runs <see cref="Conclude"/>: the assignment (if any), the record of the ending, the outcome email and the callback.</summary>
    public static Task<Conclusion> ConcludeAsync(this TaskOrchestrationContext context, ConclusionRequest request, TaskOptions options) => Call<Conclusion>(context, nameof(Conclude), request, options);

    /// <summary>Runs <see cref="SendOutcome"/>.</summary>
    public static Task<MailDelivery> SendOutcomeAsync(this TaskOrchestrationContext context, OutcomeMailRequest request, TaskOptions options) => Call<MailDelivery>(context, nameof(SendOutcome), request, options);

    static Task<T> Call<T>(TaskOrchestrationContext context, string name, object request, TaskOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CallActivityAsync<T>(name, request, options);
    }

    // The non-generic overload: activities that answer nothing the workflow reads.
    static Task Call(TaskOrchestrationContext context, string name, object request, TaskOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CallActivityAsync(name, request, options);
    }
}
