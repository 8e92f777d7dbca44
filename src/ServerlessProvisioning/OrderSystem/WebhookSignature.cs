using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessProvisioning.OrderSystem;

/// <summary>What checking a signature found.</summary>
public enum SignatureCheck
{
    /// <summary>Signed with the secret, within the tolerance.</summary>
    Valid,

    /// <summary>No signature header.</summary>
    Missing,

    /// <summary>The header is not <c>t=…,v1=…</c>.</summary>
    Malformed,

    /// <summary>The timestamp is more than the tolerance away from now.</summary>
    Stale,

    /// <summary>The HMAC does not match the body.</summary>
    Mismatch,
}

/// <summary>
/// The order webhook's signature (SPEC §3): <c>X-Provisioning-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "&lt;t&gt;.&lt;raw body&gt;"&gt;</c>.
/// The outcome callback is signed the same way.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The header carrying the signature.</summary>
    public const string Header = "X-Provisioning-Signature";

    /// <summary>How far the timestamp may be from now.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value signing <paramref name="body"/> at <paramref name="at"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Mac(t, body, secret))}";
    }

    /// <summary>Checks a header against the raw body, comparing in constant time.</summary>
    public static SignatureCheck Verify(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return SignatureCheck.Missing;
        }

        string? t = null;
        var candidates = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return SignatureCheck.Malformed;
            }

            var (name, value) = (part[..eq], part[(eq + 1)..]);
            if (name == "t")
            {
                t = value;
            }
            else if (name == "v1")
            {
                if (value.Length != 64 || !value.All(char.IsAsciiHexDigit))
                {
                    return SignatureCheck.Malformed;
                }

                candidates.Add(Convert.FromHexString(value));
            }
        }

        if (t is null || candidates.Count == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
        {
            return SignatureCheck.Malformed;
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return SignatureCheck.Stale;
        }

        var expected = Mac(t, body, secret);
        var match = false;
        foreach (var candidate in candidates)
        {
            // Several v1 values allow secret rotation; every one is compared in constant time.
            match |= CryptographicOperations.FixedTimeEquals(expected, candidate);
        }

        return match ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    static byte[] Mac(string t, ReadOnlySpan<byte> body, string secret)
    {
        var prefix = Encoding.UTF8.GetBytes(t + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}
