using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>The HTTP triggers with a mocked <see cref="DurableTaskClient"/>: they parse, validate and call the workflow as the contract says.</summary>
public class ApiFunctionsTests(AzuriteFixture azurite)
{
    static HttpRequest Request(string body, string? signature, string contentType = "application/json")
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Method = "POST";
        context.Request.ContentType = contentType;
        context.Request.ContentLength = bytes.Length;
        context.Request.Body = new MemoryStream(bytes);
        if (signature is not null)
        {
            context.Request.Headers[WebhookSignature.Header] = signature;
        }

        return context.Request;
    }

    static string Order(string id) =>
        $$"""{"orderId":"{{id}}","subscriptionId":"sub-{{id}}","provisioningContactEmail":"buyer@acme.com","scenario":"CustomerSelf"}""";

    // A typed union (Results<…>) holds the result that runs.
    static int Status(IResult result) => ((IStatusCodeHttpResult)(result is INestedHttpResult nested ? nested.Result : result)).StatusCode!.Value;

    async Task<ApiFunctions> FunctionsAsync() => ActivatorUtilities.CreateInstance<ApiFunctions>(await FunctionTestServices.CreateAsync(azurite));

    [Fact]
    public async Task PostOrder_with_a_valid_signature_starts_the_workflow_under_the_order_derived_instance_id()
    {
        var functions = await FunctionsAsync();
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        var body = Order("ord-fn-1");

        var result = await functions.PostOrder(Request(body, WebhookSignature.Sign(Encoding.UTF8.GetBytes(body), FunctionTestServices.Secret, DateTimeOffset.UtcNow)), client.Object);

        Assert.Equal(StatusCodes.Status202Accepted, Status(result));
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(
            It.Is<TaskName>(n => n.Name == ProvisioningWorkflow.Name),
            It.Is<object?>(i => ((ProvisioningInput)i!).Order.OrderId == "ord-fn-1"),
            It.Is<StartOrchestrationOptions?>(o => o!.InstanceId == "order-ord-fn-1"),
            It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task PostOrder_replayed_answers_200_and_starts_nothing_new()
    {
        var functions = await FunctionsAsync();
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrchestrationMetadata(ProvisioningWorkflow.Name, "order-ord-fn-2"));
        var body = Order("ord-fn-2");
        var signature = WebhookSignature.Sign(Encoding.UTF8.GetBytes(body), FunctionTestServices.Secret, DateTimeOffset.UtcNow);

        // The delivery that created the workflow does not look it up again; the repeat finds it and starts nothing.
        Assert.Equal(202, Status(await functions.PostOrder(Request(body, signature), client.Object)));
        client.Verify(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Equal(200, Status(await functions.PostOrder(Request(body, signature), client.Object)));

        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(null, "application/json", 401)]
    [InlineData("t=1,v1=00", "application/json", 401)]
    [InlineData("valid", "text/plain", 415)]
    public async Task PostOrder_rejects_unsigned_or_wrongly_typed_requests_without_touching_the_workflow(string? signature, string contentType, int status)
    {
        var functions = await FunctionsAsync();
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        var body = Order("ord-fn-3");
        var header = signature == "valid" ? WebhookSignature.Sign(Encoding.UTF8.GetBytes(body), FunctionTestServices.Secret, DateTimeOffset.UtcNow) : signature;

        var result = await functions.PostOrder(Request(body, header, contentType), client.Object);

        Assert.Equal(status, Status(result));
    }

    [Fact]
    public async Task GetWizard_with_an_unknown_token_is_404_without_asking_the_workflow()
    {
        var functions = await FunctionsAsync();
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");

        var result = await functions.GetWizard(new DefaultHttpContext().Request, new string('A', 43), client.Object);

        Assert.Equal(404, Status(result));
    }
}
