using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Configuration;

namespace ServerlessProvisioning.DevServer.Endpoints;

/// <summary>The local stand-in for Functions keys: operator routes need <c>x-functions-key</c> equal to <c>Provisioning:OperatorKey</c>.</summary>
public sealed class OperatorKeyFilter(IOptions<ProvisioningOptions> options) : IEndpointFilter
{
    /// <summary>The header Azure Functions reads keys from.</summary>
    public const string Header = ApiSecurity.OperatorKeyHeader;

    /// <inheritdoc/>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var presented = context.HttpContext.Request.Headers[Header].ToString();
        var expected = options.Value.OperatorKey ?? string.Empty;
        if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(Hash(presented), Hash(expected)))
        {
            return Problems.Unauthorized($"Operator routes need a valid {Header} header.");
        }

        return await next(context);
    }

    // Hashing first makes the comparison constant-time whatever the lengths.
    static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
