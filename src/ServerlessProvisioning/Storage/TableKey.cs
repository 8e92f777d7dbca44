using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessProvisioning.Storage;

/// <summary>
/// Turns any string into a legal PartitionKey/RowKey. Table keys may not hold '/', '\', '#', '?' or control
/// characters and stop at 1 KiB; '%'-escaping those (and '%' itself) is injective, so distinct inputs stay
/// distinct. Inputs whose escaped form is long are cut and suffixed with a SHA-256 of the whole input.
/// </summary>
public static class TableKey
{
    /// <summary>Escaped keys longer than this are shortened with a hash (well under the 1 KiB limit).</summary>
    public const int MaxLength = 400;

    /// <summary>Encodes a value as a key.</summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        StringBuilder? builder = null;
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                // A well-formed pair is legal in a key.
                builder?.Append(c).Append(value[i + 1]);
                i++;
                continue;
            }

            if (!NeedsEscape(c))
            {
                builder?.Append(c);
                continue;
            }

            builder ??= new StringBuilder(value, 0, i, value.Length + 16);
            if (char.IsSurrogate(c))
            {
                // A lone surrogate has no UTF-8 form; escape its code unit.
                builder.Append("%u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                continue;
            }

            var count = Encoding.UTF8.GetBytes([c], bytes);
            foreach (var b in bytes[..count])
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        var encoded = builder?.ToString() ?? value;
        if (encoded.Length <= MaxLength)
        {
            return encoded;
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        return string.Concat(encoded.AsSpan(0, MaxLength - hash.Length - 1), "~", hash);
    }

    static bool NeedsEscape(char c) =>
        c is '/' or '\\' or '#' or '?' or '%' or '~' || char.IsControl(c) || char.IsSurrogate(c);
}
