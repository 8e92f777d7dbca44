using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Configuration;

namespace ServerlessProvisioning.DevServer.Endpoints;

/// <summary>
/// The local stand-in for Functions keys: operator routes need <c>x-functions-key</c> equal to <c>Provisioning:OperatorKey</c>;
/// event routes (an Event Grid webhook, which cannot send headers of its own) also take it as <c>?code=</c>.
/// </summary>
public sealed class OperatorKeyFilter(IOptions<ProvisioningOptions> options) : IEndpointFilter
{
    /// <summary>The header Azure Functions reads keys from.</summary>
    public const string Header = ApiSecurity.OperatorKeyHeader;

    /// <inheritdoc/>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.HttpContext.Request;
        var presented = request.Headers[Header].ToString();
        if (presented.Length == 0 && TakesKeyInQuery(context.HttpContext))
        {
            // As Azure Functions does, and as an Event Grid webhook URL carries it; only where the route says so.
            presented = request.Query[ApiSecurity.EventKeyQuery].ToString();
        }

        var expected = options.Value.OperatorKey ?? string.Empty;
        if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(Hash(presented), Hash(expected)))
        {
            return Problems.Unauthorized(TakesKeyInQuery(context.HttpContext)
                ? $"This route needs a valid key in ?{ApiSecurity.EventKeyQuery}= (or the {Header} header)."
                : $"Operator routes need a valid {Header} header.");
        }

        return await next(context);
    }

    static bool TakesKeyInQuery(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<ApiRoute>()?.SecurityScheme == ApiSecurity.EventKey;

    // Hashing first makes the comparison constant-time whatever the lengths.
    static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
