using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Provisioning;

/// <summary>Orchestration instance ids, derived from the order id so a repeated webhook finds the same workflow.</summary>
public static partial class InstanceIds
{
    /// <summary>
    /// The instance id of an order's workflow: <c>order-</c> and the id itself when it is short and plain, else
    /// <c>order~</c> and a hash of it. A plain id never holds <c>~</c>, so the two forms cannot meet and distinct
    /// order ids always give distinct instances.
    /// </summary>
    public static string ForOrder(string orderId)
    {
        ArgumentNullException.ThrowIfNull(orderId);
        return orderId.Length <= 80 && SafePattern().IsMatch(orderId)
            ? "order-" + orderId
            : "order~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(orderId)));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex SafePattern();
}
