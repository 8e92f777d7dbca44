using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// The HTTP API (SPEC §3) as Functions triggers: one per route of <c>ApiEndpoints.All</c>, each a line that calls
/// the shared handler. host.json sets an empty route prefix, so routes carry <c>api/</c> themselves and the
/// pages can live at <c>/wizard/</c>. Every trigger is <see cref="AuthorizationLevel.Anonymous"/> to the Functions host:
/// operator routes take a signed-in person or the operator key (<see cref="OperatorAccess"/>, applied by
/// <see cref="OperatorAccessMiddleware"/> before the trigger runs), and the host's own key check would refuse a person
/// before the worker saw them. Triggers return the handlers' minimal-API results as they are: the ASP.NET Core
/// integration executes an <see cref="IResult"/>.
/// </summary>
public sealed class ApiFunctions(OrderWebhookApi orderSystem, OrdersApi orders, OrderWaitsApi waits, WizardApi wizard, ApprovalsApi approvals, OrganizationsApi organizations)
{
    [Function("PostOrder")]
    public async Task<IResult> PostOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await orderSystem.PostOrderAsync(request, client, request.HttpContext.RequestAborted);

    [Function("WhoAmI")]
    public static IResult WhoAmI(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/operator")] HttpRequest request) =>
        OperatorApi.WhoAmI(request);

    [Function("ListOrders")]
    public async Task<IResult> ListOrders(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders")] HttpRequest request) =>
        await orders.ListAsync(request, request.HttpContext.RequestAborted);

    [Function("CountOrders")]
    public async Task<IResult> CountOrders(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/order-counts")] HttpRequest request) =>
        await orders.CountAsync(request.HttpContext.RequestAborted);

    [Function("ResendInvitation")]
    public async Task<IResult> ResendInvitation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/invitation")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        await orders.ResendInvitationAsync(orderId, request, client, request.HttpContext.RequestAborted);

    [Function("CancelOrder")]
    public async Task<IResult> CancelOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/cancel")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        await orders.CancelAsync(orderId, request, client, request.HttpContext.RequestAborted);

    [Function("RemindApprovers")]
    public async Task<IResult> RemindApprovers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/approval/reminder")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        await waits.RemindAsync(orderId, request, client, request.HttpContext.RequestAborted);

    [Function("MoveDeadline")]
    public async Task<IResult> MoveDeadline(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/deadline")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        await waits.MoveDeadlineAsync(orderId, request, client, request.HttpContext.RequestAborted);

    [Function("ReopenOrder")]
    public async Task<IResult> ReopenOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/reopen")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        await waits.ReopenAsync(orderId, request, client, request.HttpContext.RequestAborted);

    [Function("GetOrder")]
    public async Task<IResult> GetOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/{orderId}")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        await orders.GetAsync(orderId, client, request.HttpContext.RequestAborted);

    [Function("GetWizard")]
    public async Task<IResult> GetWizard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/wizard/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await wizard.GetAsync(token, client, request.HttpContext.RequestAborted);

    [Function("GetWizardByHeader")]
    public async Task<IResult> GetWizardByHeader(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/wizard")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await wizard.GetAsync(WorkflowGateway.TokenOf(request), client, request.HttpContext.RequestAborted);

    [Function("PostSubmission")]
    public async Task<IResult> PostSubmission(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/{token}/submission")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostSubmissionAsync(token, request, client, request.HttpContext.RequestAborted);

    [Function("PostSubmissionByHeader")]
    public async Task<IResult> PostSubmissionByHeader(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/submission")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostSubmissionAsync(WorkflowGateway.TokenOf(request), request, client, request.HttpContext.RequestAborted);

    [Function("PostVerification")]
    public async Task<IResult> PostVerification(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/{token}/verification")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostVerificationAsync(token, request, client, request.HttpContext.RequestAborted);

    [Function("PostVerificationByHeader")]
    public async Task<IResult> PostVerificationByHeader(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/verification")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostVerificationAsync(WorkflowGateway.TokenOf(request), request, client, request.HttpContext.RequestAborted);

    [Function("PostChoice")]
    public async Task<IResult> PostChoice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/{token}/choice")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostChoiceAsync(token, request, client, request.HttpContext.RequestAborted);

    [Function("PostChoiceByHeader")]
    public async Task<IResult> PostChoiceByHeader(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/choice")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostChoiceAsync(WorkflowGateway.TokenOf(request), request, client, request.HttpContext.RequestAborted);

    [Function("PostWithdrawal")]
    public async Task<IResult> PostWithdrawal(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/{token}/withdrawal")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostWithdrawalAsync(token, client, request.HttpContext.RequestAborted);

    [Function("PostWithdrawalByHeader")]
    public async Task<IResult> PostWithdrawalByHeader(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/withdrawal")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostWithdrawalAsync(WorkflowGateway.TokenOf(request), client, request.HttpContext.RequestAborted);

    [Function("PostRestart")]
    public async Task<IResult> PostRestart(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/{token}/restart")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostRestartAsync(token, client, request.HttpContext.RequestAborted);

    [Function("PostRestartByHeader")]
    public async Task<IResult> PostRestartByHeader(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/restart")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await wizard.PostRestartAsync(WorkflowGateway.TokenOf(request), client, request.HttpContext.RequestAborted);

    [Function("GetApproval")]
    public async Task<IResult> GetApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/approvals/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await approvals.GetAsync(token, client, request.HttpContext.RequestAborted);

    [Function("GetApprovalByHeader")]
    public async Task<IResult> GetApprovalByHeader(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/approvals")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await approvals.GetAsync(WorkflowGateway.TokenOf(request), client, request.HttpContext.RequestAborted);

    [Function("PostApproval")]
    public async Task<IResult> PostApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/approvals/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        await approvals.PostAsync(token, request, client, request.HttpContext.RequestAborted);

    [Function("PostApprovalByHeader")]
    public async Task<IResult> PostApprovalByHeader(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/approvals")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await approvals.PostAsync(WorkflowGateway.TokenOf(request), request, client, request.HttpContext.RequestAborted);

    [Function("FindOrganizations")]
    public async Task<IResult> FindOrganizations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/organizations")] HttpRequest request) =>
        await organizations.FindAsync(request, request.HttpContext.RequestAborted);

    [Function("ExportOrganizations")]
    public IResult ExportOrganizations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/organizations/export")] HttpRequest request) =>
        organizations.Export(request);

    [Function("GetOrganization")]
    public async Task<IResult> GetOrganization(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/organizations/{organizationId}")] HttpRequest request,
        string organizationId) =>
        await organizations.GetAsync(organizationId, request.HttpContext.Response, request.HttpContext.RequestAborted);

    [Function("ListOrganizationOrders")]
    public async Task<IResult> ListOrganizationOrders(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/organizations/{organizationId}/orders")] HttpRequest request,
        string organizationId) =>
        await orders.ListByOrganizationAsync(organizationId, request, request.HttpContext.RequestAborted);

    [Function("PutOrganization")]
    public async Task<IResult> PutOrganization(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/organizations/{organizationId}")] HttpRequest request,
        string organizationId,
        [DurableClient] DurableTaskClient client) =>
        await organizations.PutAsync(organizationId, request, client, request.HttpContext.RequestAborted);

    [Function("DeleteOrganization")]
    public async Task<IResult> DeleteOrganization(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/organizations/{organizationId}")] HttpRequest request,
        string organizationId,
        [DurableClient] DurableTaskClient client) =>
        await organizations.DeleteAsync(organizationId, request, client, request.HttpContext.RequestAborted);

    [Function("ImportOrganizations")]
    public async Task<IResult> ImportOrganizations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/organizations/import")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await organizations.ImportAsync(request, client, request.HttpContext.RequestAborted);
}
