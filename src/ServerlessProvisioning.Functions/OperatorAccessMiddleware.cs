using System.Collections.Frozen;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Hosting;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// The gate of the operator routes in Azure: <see cref="OperatorAccess"/>, the local host's rule, before the trigger
/// runs. The triggers are anonymous to the Functions host because its key check (<c>AuthorizationLevel.Function</c>)
/// refuses a request without a Functions key before the worker sees it, so a person signed in with Entra ID could never
/// get through; the operator key (a Key Vault secret) takes the place of Functions keys for machines.
/// </summary>
public sealed class OperatorAccessMiddleware : IFunctionsWorkerMiddleware
{
    // The operator routes by function name: each trigger is named after its route (HostParityTests).
    static readonly FrozenSet<string> OperatorFunctions = ApiEndpoints.All.Where(r => r.IsOperatorRoute).Select(r => r.Name).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Whether a function serves an operator route, the only kind this middleware wraps.</summary>
    public static bool IsOperatorFunction(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return OperatorFunctions.Contains(context.FunctionDefinition.Name);
    }

    /// <inheritdoc/>
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        // No HTTP context, no decision: refuse to run the operator route rather than run it unchecked.
        var http = context.GetHttpContext() ?? throw new InvalidOperationException($"Operator function {context.FunctionDefinition.Name} ran without an HTTP context.");
        if (OperatorAccess.Decide(http.Request).Problem is { } refused)
        {
            await refused.ExecuteAsync(http);
            return;
        }

        await next(context);
    }
}
