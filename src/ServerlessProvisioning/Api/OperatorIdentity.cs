using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ServerlessProvisioning.Api;

/// <summary>
/// Names the operator behind a request by the key they used, never by the key itself: "operator:key-" and the
/// first 8 hex digits of its SHA-256. Two keys give two names, so the audit trail tells them apart.
/// </summary>
public static class OperatorIdentity
{
    /// <summary>The operator's name for the audit trail.</summary>
    public static string Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = request.Headers["x-functions-key"].ToString();
        if (key.Length == 0)
        {
            key = request.Query["code"].ToString();
        }

        return key.Length == 0 ? "operator" : "operator:key-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8];
    }
}
