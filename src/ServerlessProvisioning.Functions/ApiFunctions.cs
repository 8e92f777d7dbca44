using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// The HTTP API (SPEC §3) as Functions triggers: one per route of <c>ApiEndpoints.All</c>, each a line that calls
/// the shared handler. host.json sets an empty route prefix, so routes carry <c>api/</c> themselves and the
/// pages can live at <c>/wizard/</c>. Operator routes use Functions keys (<c>x-functions-key</c>).
/// </summary>
public sealed class ApiFunctions(OrderWebhookApi orderSystem, OrdersApi orders, WizardApi wizard, ApprovalsApi approvals, OrganizationsApi organizations)
{
    [Function("PostOrder")]
    public async Task<IActionResult> PostOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await orderSystem.PostOrderAsync(request, client, request.HttpContext.RequestAborted));

    [Function("ListOrders")]
    public async Task<IActionResult> ListOrders(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/orders")] HttpRequest request) =>
        HttpResultAction.Of(await orders.ListAsync(request, request.HttpContext.RequestAborted));

    [Function("ResendInvitation")]
    public async Task<IActionResult> ResendInvitation(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/orders/{orderId}/invitation")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await orders.ResendInvitationAsync(orderId, request, client, request.HttpContext.RequestAborted));

    [Function("CancelOrder")]
    public async Task<IActionResult> CancelOrder(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/orders/{orderId}/cancel")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await orders.CancelAsync(orderId, request, client, request.HttpContext.RequestAborted));

    [Function("GetOrder")]
    public async Task<IActionResult> GetOrder(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/orders/{orderId}")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await orders.GetAsync(orderId, client, request.HttpContext.RequestAborted));

    [Function("GetWizard")]
    public async Task<IActionResult> GetWizard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/wizard/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await wizard.GetAsync(token, client, request.HttpContext.RequestAborted));

    [Function("PostSubmission")]
    public async Task<IActionResult> PostSubmission(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/{token}/submission")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await wizard.PostSubmissionAsync(token, request, client, request.HttpContext.RequestAborted));

    [Function("PostChoice")]
    public async Task<IActionResult> PostChoice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/wizard/{token}/choice")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await wizard.PostChoiceAsync(token, request, client, request.HttpContext.RequestAborted));

    [Function("GetApproval")]
    public async Task<IActionResult> GetApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/approvals/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await approvals.GetAsync(token, client, request.HttpContext.RequestAborted));

    [Function("PostApproval")]
    public async Task<IActionResult> PostApproval(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/approvals/{token}")] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client) =>
        HttpResultAction.Of(await approvals.PostAsync(token, request, client, request.HttpContext.RequestAborted));

    [Function("FindOrganizations")]
    public async Task<IActionResult> FindOrganizations(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/organizations")] HttpRequest request) =>
        HttpResultAction.Of(await organizations.FindAsync(request, request.HttpContext.RequestAborted));

    [Function("GetOrganization")]
    public async Task<IActionResult> GetOrganization(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/organizations/{organizationId}")] HttpRequest request,
        string organizationId) =>
        HttpResultAction.Of(await organizations.GetAsync(organizationId, request.HttpContext.Response, request.HttpContext.RequestAborted));

    [Function("PutOrganization")]
    public async Task<IActionResult> PutOrganization(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "api/organizations/{organizationId}")] HttpRequest request,
        string organizationId) =>
        HttpResultAction.Of(await organizations.PutAsync(organizationId, request, request.HttpContext.RequestAborted));

    [Function("DeleteOrganization")]
    public async Task<IActionResult> DeleteOrganization(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "api/organizations/{organizationId}")] HttpRequest request,
        string organizationId) =>
        HttpResultAction.Of(await organizations.DeleteAsync(organizationId, request, request.HttpContext.RequestAborted));

    [Function("ImportOrganizations")]
    public async Task<IActionResult> ImportOrganizations(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/organizations/import")] HttpRequest request) =>
        HttpResultAction.Of(await organizations.ImportAsync(request, request.HttpContext.RequestAborted));
}
