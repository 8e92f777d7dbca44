// Part of the stand-in for the Azure.Communication.Email package (see AcsEmailClient.cs). Names mirror that
// package's EmailMessage, EmailContent, EmailRecipients, EmailAddress, EmailSendStatus and EmailSendResult.
using System.Buffers;
using System.Text.Json;
using Azure;

namespace ServerlessProvisioning.Notifications.Acs;

/// <summary>An email to send through ACS (the REST API's <c>EmailMessage</c>).</summary>
public sealed class AcsEmailMessage
{
    /// <summary>An email from <paramref name="senderAddress"/> to <paramref name="recipients"/>.</summary>
    public AcsEmailMessage(string senderAddress, AcsEmailRecipients recipients, AcsEmailContent content)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(senderAddress);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(content);
        SenderAddress = senderAddress;
        Recipients = recipients;
        Content = content;
    }

    /// <summary>An email from <paramref name="senderAddress"/> to one address.</summary>
    public AcsEmailMessage(string senderAddress, string recipientAddress, AcsEmailContent content)
        : this(senderAddress, new AcsEmailRecipients([new AcsEmailAddress(recipientAddress)]), content)
    {
    }

    /// <summary>The sender, an address on a domain connected to the ACS resource.</summary>
    public string SenderAddress { get; }

    /// <summary>Subject and bodies.</summary>
    public AcsEmailContent Content { get; }

    /// <summary>To, CC and BCC.</summary>
    public AcsEmailRecipients Recipients { get; }

    /// <summary>Custom headers.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where replies go.</summary>
    public IList<AcsEmailAddress> ReplyTo { get; } = [];

    /// <summary>Turns off open and click tracking for this email even when the resource has it on.</summary>
    public bool? UserEngagementTrackingDisabled { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Content.Subject))
        {
            throw new ArgumentException("An email needs a subject.", nameof(Content));
        }

        if (string.IsNullOrWhiteSpace(Content.PlainText) && string.IsNullOrWhiteSpace(Content.Html))
        {
            throw new ArgumentException("An email needs a plain-text or an HTML body.", nameof(Content));
        }

        if (Recipients.To.Count + Recipients.CC.Count + Recipients.BCC.Count == 0)
        {
            throw new ArgumentException("An email needs at least one recipient.", nameof(Recipients));
        }

        if (Headers.Any(header => string.IsNullOrWhiteSpace(header.Value)))
        {
            throw new ArgumentException("Custom headers need a value.", nameof(Headers));
        }
    }

    /// <summary>The request body, with the property names and casing of the 2023-03-31 REST API.</summary>
    internal BinaryData ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (Headers.Count > 0)
            {
                writer.WriteStartObject("headers");
                foreach (var (name, value) in Headers)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteString("senderAddress", SenderAddress);
            writer.WriteStartObject("content");
            writer.WriteString("subject", Content.Subject);
            if (Content.PlainText is not null)
            {
                writer.WriteString("plainText", Content.PlainText);
            }

            if (Content.Html is not null)
            {
                writer.WriteString("html", Content.Html);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("recipients");
            WriteAddresses(writer, "to", Recipients.To, always: true);
            WriteAddresses(writer, "cc", Recipients.CC, always: false);
            WriteAddresses(writer, "bcc", Recipients.BCC, always: false);
            writer.WriteEndObject();
            WriteAddresses(writer, "replyTo", ReplyTo, always: false);
            if (UserEngagementTrackingDisabled is { } disabled)
            {
                writer.WriteBoolean("userEngagementTrackingDisabled", disabled);
            }

            writer.WriteEndObject();
        }

        return new BinaryData(buffer.WrittenMemory);
    }

    static void WriteAddresses(Utf8JsonWriter writer, string name, IList<AcsEmailAddress> addresses, bool always)
    {
        if (addresses.Count == 0 && !always)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var address in addresses)
        {
            writer.WriteStartObject();
            writer.WriteString("address", address.Address);
            if (address.DisplayName is not null)
            {
                writer.WriteString("displayName", address.DisplayName);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}

/// <summary>Subject and bodies of an email.</summary>
public sealed class AcsEmailContent
{
    /// <summary>Content with <paramref name="subject"/>; set <see cref="PlainText"/>, <see cref="Html"/> or both.</summary>
    public AcsEmailContent(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        Subject = subject;
    }

    /// <summary>The subject.</summary>
    public string Subject { get; }

    /// <summary>The plain-text body.</summary>
    public string? PlainText { get; set; }

    /// <summary>The HTML body.</summary>
    public string? Html { get; set; }
}

/// <summary>The recipients of an email.</summary>
public sealed class AcsEmailRecipients
{
    /// <summary>Recipients: To, and optionally CC and BCC.</summary>
    public AcsEmailRecipients(IEnumerable<AcsEmailAddress> to, IEnumerable<AcsEmailAddress>? cc = null, IEnumerable<AcsEmailAddress>? bcc = null)
    {
        ArgumentNullException.ThrowIfNull(to);
        To = [.. to];
        CC = [.. cc ?? []];
        BCC = [.. bcc ?? []];
    }

    /// <summary>To.</summary>
    public IList<AcsEmailAddress> To { get; }

    /// <summary>Carbon copy.</summary>
    public IList<AcsEmailAddress> CC { get; }

    /// <summary>Blind carbon copy.</summary>
    public IList<AcsEmailAddress> BCC { get; }
}

/// <summary>An address and an optional display name.</summary>
public sealed class AcsEmailAddress
{
    /// <summary>The address <paramref name="address"/>, shown as <paramref name="displayName"/>.</summary>
    public AcsEmailAddress(string address, string? displayName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        Address = address;
        DisplayName = displayName;
    }

    /// <summary>The address.</summary>
    public string Address { get; }

    /// <summary>The display name.</summary>
    public string? DisplayName { get; }
}

/// <summary>The status of a send operation; an extensible string, like the service's.</summary>
public readonly struct AcsEmailSendStatus : IEquatable<AcsEmailSendStatus>
{
    readonly string? value;

    /// <summary>A status named <paramref name="value"/>.</summary>
    public AcsEmailSendStatus(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        this.value = value;
    }

    /// <summary>Queued, not yet processed.</summary>
    public static AcsEmailSendStatus NotStarted { get; } = new("NotStarted");

    /// <summary>Being processed.</summary>
    public static AcsEmailSendStatus Running { get; } = new("Running");

    /// <summary>Handed over for delivery.</summary>
    public static AcsEmailSendStatus Succeeded { get; } = new("Succeeded");

    /// <summary>Not sent; the result carries the error.</summary>
    public static AcsEmailSendStatus Failed { get; } = new("Failed");

    /// <summary>Not sent; canceled.</summary>
    public static AcsEmailSendStatus Canceled { get; } = new("Canceled");

    /// <summary>Whether the operation has ended.</summary>
    public bool IsTerminal => this == Succeeded || this == Failed || this == Canceled;

    /// <summary>Equality, ignoring case.</summary>
    public static bool operator ==(AcsEmailSendStatus left, AcsEmailSendStatus right) => left.Equals(right);

    /// <summary>Inequality, ignoring case.</summary>
    public static bool operator !=(AcsEmailSendStatus left, AcsEmailSendStatus right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(AcsEmailSendStatus other) => string.Equals(value, other.value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is AcsEmailSendStatus other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(value);

    /// <inheritdoc/>
    public override string ToString() => value ?? string.Empty;
}

/// <summary>The state of a send operation (the REST API's <c>EmailSendResult</c>).</summary>
public sealed class AcsEmailSendResult
{
    internal AcsEmailSendResult(string id, AcsEmailSendStatus status, ResponseError? error)
    {
        Id = id;
        Status = status;
        Error = error;
    }

    /// <summary>The operation id.</summary>
    public string Id { get; }

    /// <summary>The status.</summary>
    public AcsEmailSendStatus Status { get; }

    /// <summary>Why the operation failed, when it did.</summary>
    public ResponseError? Error { get; }

    /// <summary>Reads the body of a send or status response.</summary>
    internal static AcsEmailSendResult Read(Response response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Content.ToMemory());
            var root = document.RootElement;
            var id = root.GetProperty("id").GetString();
            var status = root.GetProperty("status").GetString();
            if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(status))
            {
                throw new JsonException("'id' or 'status' is empty.");
            }

            ResponseError? error = null;
            if (root.TryGetProperty("error", out var errorElement) && errorElement.ValueKind == JsonValueKind.Object)
            {
                error = new ResponseError(
                    errorElement.TryGetProperty("code", out var code) ? code.GetString() : null,
                    errorElement.TryGetProperty("message", out var message) ? message.GetString() : null);
            }

            return new AcsEmailSendResult(id, new AcsEmailSendStatus(status), error);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new RequestFailedException(response.Status, $"ACS Email answered HTTP {response.Status} with a body that is not an operation status.", null, exception);
        }
    }
}
