using System.Diagnostics.CodeAnalysis;
using Azure;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>
/// An Azure Communication Services connection string, <c>endpoint=https://…;accesskey=…</c>, parsed strictly.
/// Error messages describe what is wrong without echoing any part of the input, so a key pasted into the wrong
/// place never reaches a log.
/// </summary>
public sealed class AcsConnectionString
{
    AcsConnectionString(Uri endpoint, AzureKeyCredential accessKey)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
    }

    /// <summary>The resource endpoint, e.g. <c>https://my-resource.communication.azure.com/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The access key (base64), as a credential that can be rotated in place.</summary>
    public AzureKeyCredential AccessKey { get; }

    /// <summary>Parses <paramref name="connectionString"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static AcsConnectionString Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return TryParse(connectionString, out var parsed, out var error) ? parsed : throw new FormatException(error);
    }

    /// <summary>Parses <paramref name="connectionString"/>, or explains in <paramref name="error"/> why it cannot.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? connectionString,
        [NotNullWhen(true)] out AcsConnectionString? result,
        [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = "The ACS connection string is empty; expected endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>.";
            return false;
        }

        string? endpointValue = null;
        string? keyValue = null;
        var parts = connectionString.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var equals = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"Part {i + 1} of the ACS connection string is not of the form name=value.";
                return false;
            }

            var name = parts[i][..equals].Trim();
            var value = parts[i][(equals + 1)..].Trim();
            if (name.Equals("endpoint", StringComparison.OrdinalIgnoreCase))
            {
                if (endpointValue is not null)
                {
                    error = "The ACS connection string names 'endpoint' twice.";
                    return false;
                }

                endpointValue = value;
            }
            else if (name.Equals("accesskey", StringComparison.OrdinalIgnoreCase))
            {
                if (keyValue is not null)
                {
                    error = "The ACS connection string names 'accesskey' twice.";
                    return false;
                }

                keyValue = value;
            }
            else
            {
                // The name is not echoed: a misplaced key with '=' padding would otherwise be printed.
                error = $"Part {i + 1} of the ACS connection string has an unknown name; only 'endpoint' and 'accesskey' are allowed.";
                return false;
            }
        }

        if (string.IsNullOrEmpty(endpointValue))
        {
            error = "The ACS connection string has no 'endpoint'.";
            return false;
        }

        if (!Uri.TryCreate(endpointValue, UriKind.Absolute, out var endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(endpoint.UserInfo)
            || !string.IsNullOrEmpty(endpoint.Query)
            || !string.IsNullOrEmpty(endpoint.Fragment))
        {
            error = "The ACS connection string's 'endpoint' is not an absolute http(s) URI like https://<resource>.communication.azure.com/.";
            return false;
        }

        if (string.IsNullOrEmpty(keyValue))
        {
            error = "The ACS connection string has no 'accesskey'.";
            return false;
        }

        var buffer = new byte[keyValue.Length];
        if (!Convert.TryFromBase64String(keyValue, buffer, out var keyLength) || keyLength == 0)
        {
            error = "The ACS connection string's 'accesskey' is not valid base64.";
            return false;
        }

        result = new AcsConnectionString(endpoint, new AzureKeyCredential(keyValue));
        error = null;
        return true;
    }

    /// <summary>The endpoint only; the key is never part of the text.</summary>
    public override string ToString() => $"endpoint={Endpoint};accesskey=***";
}
