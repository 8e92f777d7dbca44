using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>
/// An HTTP trigger that throws answers 500 application/problem+json, like the local host's exception handler: the
/// real function classes run inside the middleware, with the workflow client (the boundary) mocked to fail.
/// </summary>
public class HttpProblemMiddlewareTests(AzuriteFixture azurite)
{
    const string Leak = "storage unreachable at https://stsecret.table.core.windows.net for buyer@acme.com";

    static HttpProblemMiddleware Middleware(IServiceProvider services) =>
        new(services.GetRequiredService<IProblemDetailsService>(), NullLogger<HttpProblemMiddleware>.Instance);

    static ServiceProvider ProblemServices() => new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();

    static BindingMetadata Binding(string type)
    {
        var binding = new Mock<BindingMetadata>();
        binding.SetupGet(b => b.Type).Returns(type);
        binding.SetupGet(b => b.Name).Returns("request");
        return binding.Object;
    }

    // The ASP.NET Core integration puts the request's HttpContext in Items under this key (FunctionContext.GetHttpContext reads it).
    static FunctionContext Invocation(HttpContext? http, string triggerType = "httpTrigger")
    {
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns("PostOrder");
        definition.SetupGet(d => d.InputBindings).Returns(ImmutableDictionary<string, BindingMetadata>.Empty.Add("request", Binding(triggerType)));
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.InvocationId).Returns("invocation-1");
        context.SetupGet(c => c.Items).Returns(http is null ? new Dictionary<object, object>() : new Dictionary<object, object> { ["HttpRequestContext"] = http });
        return context.Object;
    }

    static DefaultHttpContext SignedOrder(IServiceProvider services, string orderId)
    {
        var body = $$"""{"orderId":"{{orderId}}","subscriptionId":"sub-{{orderId}}","provisioningContactEmail":"buyer@acme.com","scenario":"CustomerSelf"}""";
        var bytes = Encoding.UTF8.GetBytes(body);
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = "POST";
        http.Request.ContentType = "application/json";
        http.Request.ContentLength = bytes.Length;
        http.Request.Body = new MemoryStream(bytes);
        http.Request.Headers[WebhookSignature.Header] = WebhookSignature.Sign(bytes, FunctionTestServices.Secret, DateTimeOffset.UtcNow);
        http.Response.Body = new MemoryStream();
        return http;
    }

    static string ResponseText(HttpContext http)
    {
        http.Response.Body.Position = 0;
        return new StreamReader(http.Response.Body).ReadToEnd();
    }

    [Fact]
    public async Task A_trigger_that_throws_answers_500_problem_json_without_the_exception()
    {
        var services = await FunctionTestServices.CreateAsync(azurite);
        var functions = ActivatorUtilities.CreateInstance<ApiFunctions>(services);
        using var problems = ProblemServices();
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException(Leak));
        var http = SignedOrder(problems, "ord-fn-problem");

        await Middleware(problems).Invoke(Invocation(http), async _ => await (await functions.PostOrder(http.Request, client.Object)).ExecuteAsync(http));

        var text = ResponseText(http);
        using var body = JsonDocument.Parse(text);
        Assert.Equal(StatusCodes.Status500InternalServerError, http.Response.StatusCode);
        Assert.StartsWith("application/problem+json", http.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal(500, body.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("title").GetString()));
        Assert.DoesNotContain("stsecret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("buyer@acme.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(InvalidOperationException), text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_answer_has_the_shape_the_local_host_exception_handler_gives()
    {
        // The local host: AddProblemDetails + UseExceptionHandler, i.e. the default problem for a 500.
        using var problems = ProblemServices();
        var http = new DefaultHttpContext { RequestServices = problems };
        http.Response.Body = new MemoryStream();

        await Middleware(problems).Invoke(Invocation(http), _ => throw new InvalidOperationException(Leak));

        using var body = JsonDocument.Parse(ResponseText(http));
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.6.1", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("An error occurred while processing your request.", body.RootElement.GetProperty("title").GetString());
        Assert.True(body.RootElement.TryGetProperty("traceId", out _), "the problem carries a traceId to find the logs by");
    }

    [Fact]
    public async Task A_trigger_that_answers_passes_through_untouched()
    {
        var services = await FunctionTestServices.CreateAsync(azurite);
        var functions = ActivatorUtilities.CreateInstance<ApiFunctions>(services);
        using var problems = ProblemServices();
        var http = new DefaultHttpContext { RequestServices = problems };
        http.Response.Body = new MemoryStream();

        await Middleware(problems).Invoke(Invocation(http), async _ =>
            await (await functions.GetWizard(http.Request, new string('A', 43), new Mock<DurableTaskClient>(MockBehavior.Strict, "test").Object)).ExecuteAsync(http));

        Assert.Equal(StatusCodes.Status404NotFound, http.Response.StatusCode);
    }

    [Fact]
    public async Task A_failure_outside_HTTP_keeps_its_exception_for_the_durable_retries()
    {
        using var problems = ProblemServices();

        var exception = await Record.ExceptionAsync(() => Middleware(problems).Invoke(Invocation(null, "activityTrigger"), _ => throw new InvalidOperationException("activity failed")));

        Assert.IsType<InvalidOperationException>(exception);
    }

    [Theory]
    [InlineData("httpTrigger", true)]
    [InlineData("activityTrigger", false)]
    [InlineData("orchestrationTrigger", false)]
    [InlineData("timerTrigger", false)]
    public void The_middleware_wraps_HTTP_triggers_only(string triggerType, bool wrapped)
    {
        Assert.Equal(wrapped, HttpProblemMiddleware.IsHttpTrigger(Invocation(null, triggerType)));
    }
}
