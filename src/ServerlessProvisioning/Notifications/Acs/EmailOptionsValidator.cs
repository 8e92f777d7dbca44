using System.Net.Mail;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Configuration;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>
/// Validates the <c>Email</c> section so that a host started with <c>ValidateOnStart</c> names the missing or
/// malformed key: with either ACS key set, <c>Email:SenderAddress</c> is required;
/// <c>Email:AcsConnectionString</c> must parse and not be an unresolved Key Vault reference; <c>Email:AcsEndpoint</c>
/// must be an absolute https URI. With neither ACS key set, email goes to the local mailbox and nothing is required.
/// </summary>
public sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    /// <summary><c>Email:AcsConnectionString</c>.</summary>
    public const string ConnectionStringKey = EmailOptions.Section + ":" + nameof(EmailOptions.AcsConnectionString);

    /// <summary><c>Email:AcsEndpoint</c>.</summary>
    public const string EndpointKey = EmailOptions.Section + ":" + nameof(EmailOptions.AcsEndpoint);

    /// <summary><c>Email:SenderAddress</c>.</summary>
    public const string SenderAddressKey = EmailOptions.Section + ":" + nameof(EmailOptions.SenderAddress);

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem of <paramref name="options"/>.</summary>
    public static void ThrowIfInvalid(EmailOptions options)
    {
        var failures = Failures(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(EmailOptions.Section, typeof(EmailOptions), failures);
        }
    }

    /// <summary>Every problem of <paramref name="options"/>, each naming its key; empty when valid.</summary>
    public static IReadOnlyList<string> Failures(EmailOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!options.UsesAcs)
        {
            return failures;
        }

        if (string.IsNullOrWhiteSpace(options.SenderAddress))
        {
            failures.Add($"{SenderAddressKey} is required when {ConnectionStringKey} or {EndpointKey} is set (e.g. DoNotReply@<your verified domain>).");
        }
        else if (!MailAddress.TryCreate(options.SenderAddress, out var sender)
            || !string.Equals(sender.Address, options.SenderAddress.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{SenderAddressKey} must be a plain email address such as DoNotReply@<your verified domain>, without a display name.");
        }

        if (KeyVaultReference.IsUnresolved(options.AcsConnectionString))
        {
            // One line for one mistake: the reference text would also be "malformed", which would send the reader astray.
            failures.Add(KeyVaultReference.Failure(ConnectionStringKey));
        }
        else if (!string.IsNullOrWhiteSpace(options.AcsConnectionString)
            && !AcsConnectionString.TryParse(options.AcsConnectionString, out _, out var error))
        {
            failures.Add($"{ConnectionStringKey} is malformed: {error}");
        }

        // Validated even when the connection string wins: a malformed value is a mistake either way.
        if (!string.IsNullOrWhiteSpace(options.AcsEndpoint)
            && (!Uri.TryCreate(options.AcsEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{EndpointKey} must be an absolute https URI such as https://<resource>.communication.azure.com (it is reached with a managed identity).");
        }

        return failures;
    }
}
