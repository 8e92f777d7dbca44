using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ServerlessProvisioning.Functions;

/// <summary>Lets a trigger return the shared handlers' <see cref="IResult"/> through the Functions ASP.NET Core integration.</summary>
public sealed class HttpResultAction(IResult result) : IActionResult
{
    /// <summary>The wrapped result, for tests.</summary>
    public IResult Result { get; } = result;

    /// <inheritdoc/>
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Result.ExecuteAsync(context.HttpContext);
    }
}
