using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Provisioning;

/// <summary>Orchestration instance ids, derived from the order id so a repeated webhook finds the same workflow.</summary>
public static partial class InstanceIds
{
    /// <summary>The instance id of an order's workflow.</summary>
    public static string ForOrder(string orderId)
    {
        ArgumentNullException.ThrowIfNull(orderId);
        return orderId.Length <= 80 && SafePattern().IsMatch(orderId)
            ? "order-" + orderId
            : "order-h" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(orderId)))[..40].ToLowerInvariant();
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex SafePattern();
}
