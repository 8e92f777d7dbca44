using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// An HTTP trigger that throws answers <c>500 application/problem+json</c>, as the local host's
/// <c>UseExceptionHandler()</c> does: the same body from the same <see cref="IProblemDetailsService"/>, and no stack
/// trace or exception message, which could carry storage addresses or personal data. The ASP.NET Core integration
/// lets no ASP.NET Core middleware into its pipeline, so this is a Functions worker middleware around the trigger.
/// </summary>
public sealed partial class HttpProblemMiddleware(IProblemDetailsService problems, ILogger<HttpProblemMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <summary>Whether a function is an HTTP trigger, the only kind this middleware wraps.</summary>
    public static bool IsHttpTrigger(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.FunctionDefinition.InputBindings.Values.Any(b => string.Equals(b.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase));
    }

    /// <inheritdoc/>
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context);
        }
        catch (Exception exception) when (context.GetHttpContext() is { Response.HasStarted: false, RequestAborted.IsCancellationRequested: false } http)
        {
            // Answered here, so the invocation counts as handled: the log entry is the record of the failure.
            LogFailed(logger, exception, context.FunctionDefinition.Name, context.InvocationId);
            http.Response.Clear();
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            // Like the exception handler, a client that accepts no JSON gets the bare status.
            await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                Exception = exception,
                ProblemDetails = { Status = StatusCodes.Status500InternalServerError },
            });
        }
    }

    [LoggerMessage(1, LogLevel.Error, "Function {FunctionName} (invocation {InvocationId}) failed; answered 500 problem+json")]
    private static partial void LogFailed(ILogger logger, Exception exception, string functionName, string invocationId);
}
