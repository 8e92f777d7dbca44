using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;

namespace ServerlessProvisioning.DevServer.Local;

/// <summary>
/// A configuration error as the one line the local host prints, instead of a stack trace: options validation (each
/// message names its key), a value the binder cannot convert (a malformed duration), a Key Vault reference left
/// unresolved, a missing setting. Never the value itself, which may be a secret.
/// </summary>
public static partial class ConfigurationFailure
{
    /// <summary>The line for <paramref name="exception"/>, or null when it is not a configuration error.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException e => OneLine(string.Join(" ", (e.Failures.Any() ? e.Failures : [e.Message]).Select(f => Named(e.OptionsType, f)).Distinct())),
        AggregateException e when e.InnerExceptions.Count > 0 && e.InnerExceptions.All(i => Describe(i) is not null) =>
            string.Join(" ", e.InnerExceptions.Select(i => Describe(i))),
        InvalidOperationException e when Unconvertible().Match(e.Message) is { Success: true } m => Unreadable(m.Groups["key"].Value, m.Groups["type"].Value),
        // The storage identity's checks (AzureIdentity) and the like: a message that names a setting the product reads.
        InvalidOperationException e when NamesASetting(e.Message) => OneLine(e.Message),
        _ => null,
    };

    // DataAnnotations' "DataAnnotation validation failed for 'ProvisioningOptions' members: 'PublicBaseUrl' with the error:
    // '…'." names a property; say the setting instead.
    static string Named(Type options, string failure)
    {
        var section = options == typeof(ProvisioningOptions) ? ProvisioningOptions.Section : options == typeof(EmailOptions) ? EmailOptions.Section : null;
        return DataAnnotation().Match(failure) is { Success: true } m && section is not null
            ? $"{section}:{m.Groups["member"].Value}: {m.Groups["error"].Value}"
            : failure;
    }

    static string Unreadable(string key, string type) => type switch
    {
        "System.TimeSpan" or "System.Nullable`1[System.TimeSpan]" => $"{key} is not a duration: write it as [d.]hh:mm:ss, e.g. 00:00:20 or 30.00:00:00.",
        _ => $"{key} cannot be read as {type}.",
    };

    static bool NamesASetting(string message) =>
        ConfigurationKeys.All.Any(key => message.Contains(key, StringComparison.OrdinalIgnoreCase));

    static string OneLine(string text) => string.Join(" ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '(?<member>[^']+)' with the error: '(?<error>.*)'\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotation();

    // Microsoft.Extensions.Configuration.Binder's message for a value it cannot convert (the value is not in it).
    [GeneratedRegex(@"^Failed to convert configuration value(?: '.*')? at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex Unconvertible();
}
