using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ServerlessProvisioning.Functions;

/// <summary>
/// Lets a trigger return the shared handlers' results: the Functions ASP.NET Core integration executes
/// <see cref="IActionResult"/>s, the handlers return minimal-API <see cref="IResult"/>s.
/// </summary>
public sealed class HttpResultAction(IResult result) : IActionResult
{
    /// <summary>The result that runs: for a typed union (<c>Results&lt;…&gt;</c>), the one it holds.</summary>
    public IResult Result { get; } = result is INestedHttpResult nested ? nested.Result : result;

    /// <summary>Wraps a handler's result.</summary>
    public static HttpResultAction Of(IResult result) => new(result);

    /// <inheritdoc/>
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Result.ExecuteAsync(context.HttpContext);
    }
}
