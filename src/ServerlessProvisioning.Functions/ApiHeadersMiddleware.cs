using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using ServerlessProvisioning.Http;

namespace ServerlessProvisioning.Functions;

/// <summary>Gives every <c>/api</c> answer of the Functions host the headers the local host gives it (<see cref="ApiHeaders"/>).</summary>
public sealed class ApiHeadersMiddleware : IFunctionsWorkerMiddleware
{
    /// <inheritdoc/>
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is { } http && ApiHeaders.IsApi(http.Request.Path))
        {
            ApiHeaders.Apply(http.Response);
        }

        return next(context);
    }
}
