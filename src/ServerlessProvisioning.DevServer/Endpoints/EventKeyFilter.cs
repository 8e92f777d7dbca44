using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Http;

namespace ServerlessProvisioning.DevServer.Endpoints;

/// <summary>
/// The local stand-in for the Functions key of the event routes (an Event Grid webhook, which cannot send headers of
/// its own, carries it as <c>?code=</c>; in Azure the Functions host checks it): here the operator key, in
/// <c>?code=</c> or <c>x-functions-key</c>. Operator routes have their own rule (<c>OperatorAccess</c>), which never
/// takes a key in the query.
/// </summary>
public sealed class EventKeyFilter(IOptions<ProvisioningOptions> options) : IEndpointFilter
{
    /// <inheritdoc/>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.HttpContext.Request;
        var presented = request.Headers[ApiSecurity.OperatorKeyHeader].ToString();
        if (presented.Length == 0)
        {
            presented = request.Query[ApiSecurity.EventKeyQuery].ToString();
        }

        var expected = options.Value.OperatorKey ?? string.Empty;
        if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(Hash(presented), Hash(expected)))
        {
            return Problems.Unauthorized($"This route needs a valid key in ?{ApiSecurity.EventKeyQuery}= (or the {ApiSecurity.OperatorKeyHeader} header).");
        }

        return await next(context);
    }

    // Hashing first makes the comparison constant-time whatever the lengths.
    static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
