using System.ComponentModel.DataAnnotations;

namespace ServerlessProvisioning.Configuration;

/// <summary>The <c>Provisioning</c> section (SPEC §5), read by both hosts and validated at start-up.</summary>
public sealed class ProvisioningOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Provisioning";

    /// <summary>HMAC secret of the order webhook (and of the outcome callback). Required in Azure; the local host generates one.</summary>
    [Required(AllowEmptyStrings = false)]
    [MinLength(16, ErrorMessage = "Provisioning:OrderWebhookSecret must have at least 16 characters.")]
    public string OrderWebhookSecret { get; set; } = string.Empty;

    /// <summary>
    /// The key wizard and approval link tokens are derived with. Separate from the webhook secret, which the order
    /// system also holds, so that nobody outside this service can compute a link. Required in Azure; the local host
    /// generates one.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    [MinLength(32, ErrorMessage = "Provisioning:LinkTokenSecret must have at least 32 characters.")]
    public string LinkTokenSecret { get; set; } = string.Empty;

    /// <summary>
    /// The machine credential of the operator routes, sent in <c>x-functions-key</c> (<c>Api.OperatorAccess</c>): in Azure
    /// a Key Vault reference, rotated by writing a new secret version; the local host generates one. Unset: only people
    /// signed in with the operator role get in.
    /// </summary>
    public string? OperatorKey { get; set; }

    /// <summary>Where finished orders are reported, signed like the webhook; unset means no callback.</summary>
    [Url]
    public string? OrderCallbackUrl { get; set; }

    /// <summary>Base of the links put in emails, e.g. https://provisioning.example.com.</summary>
    [Required(AllowEmptyStrings = false)]
    [Url]
    public string PublicBaseUrl { get; set; } = string.Empty;

    /// <summary>How long an invitation (and the organization choice) stays open.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long before the invitation deadline the reminder goes out; 0 sends none. Unset, see
    /// <see cref="InvitationReminder"/>.
    /// </summary>
    public TimeSpan? InvitationReminderBefore { get; set; }

    /// <summary>How long the existing admin has to decide.</summary>
    public TimeSpan ApprovalLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long before the approval deadline the reminder goes out; 0 sends none. Unset, see
    /// <see cref="ApprovalReminder"/>.
    /// </summary>
    public TimeSpan? ApprovalReminderBefore { get; set; }

    /// <summary>Age after which an organization with no active subscription is PossiblyAbandoned.</summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How long a finished order (its workflow history, links, audit and local emails) is kept before it is purged.</summary>
    public TimeSpan CompletedRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Comma-separated free-mail domains replacing the built-in list.</summary>
    public string? FreeMailDomains { get; set; }

    // The defaults: 7 days before a 30-day invitation's deadline, 2 days before a 7-day approval's.
    static readonly (TimeSpan Before, TimeSpan Lifetime) DefaultInvitationReminder = (TimeSpan.FromDays(7), TimeSpan.FromDays(30));
    static readonly (TimeSpan Before, TimeSpan Lifetime) DefaultApprovalReminder = (TimeSpan.FromDays(2), TimeSpan.FromDays(7));

    /// <summary>
    /// How long before the invitation deadline the reminder goes out: <see cref="InvitationReminderBefore"/> when set,
    /// else 7 days, or the same share of a shorter lifetime (7/30 of it: about 4.7 s before the end of a 20-second
    /// invitation), so a shortened lifetime keeps a reminder that fits without setting it too.
    /// </summary>
    public TimeSpan InvitationReminder() => InvitationReminderBefore ?? Proportional(DefaultInvitationReminder, InvitationLifetime);

    /// <summary>
    /// How long before the approval deadline the reminder goes out: <see cref="ApprovalReminderBefore"/> when set, else
    /// 2 days, or the same share of a shorter lifetime (2/7 of it).
    /// </summary>
    public TimeSpan ApprovalReminder() => ApprovalReminderBefore ?? Proportional(DefaultApprovalReminder, ApprovalLifetime);

    // Methods rather than properties: ConfigurationKeys lists every property as a setting.
    static TimeSpan Proportional((TimeSpan Before, TimeSpan Lifetime) standard, TimeSpan lifetime) =>
        lifetime <= TimeSpan.Zero ? TimeSpan.Zero
        : lifetime >= standard.Lifetime ? standard.Before
        : TimeSpan.FromTicks((long)(lifetime.Ticks * ((double)standard.Before.Ticks / standard.Lifetime.Ticks)));
}

/// <summary>The <c>Email</c> section (SPEC §5): Azure Communication Services, or the local mailbox when unset.</summary>
public sealed class EmailOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Email";

    /// <summary>ACS connection string (<c>endpoint=…;accesskey=…</c>).</summary>
    public string? AcsConnectionString { get; set; }

    /// <summary>ACS endpoint reached with managed identity.</summary>
    public string? AcsEndpoint { get; set; }

    /// <summary>Sender of every email; required with either ACS key.</summary>
    public string? SenderAddress { get; set; }

    /// <summary>Whether mail goes through ACS (else the local mailbox).</summary>
    public bool UsesAcs => !string.IsNullOrWhiteSpace(AcsConnectionString) || !string.IsNullOrWhiteSpace(AcsEndpoint);
}

/// <summary>Every configuration key the product reads, for documentation and for the deployment parity test.</summary>
public static class ConfigurationKeys
{
    /// <summary>The storage connection (tables and the durable task hub).</summary>
    public const string Storage = "AzureWebJobsStorage";

    /// <summary>Keys in <c>Section:Name</c> form.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Storage,
        .. typeof(ProvisioningOptions).GetProperties().Select(p => $"{ProvisioningOptions.Section}:{p.Name}"),
        .. typeof(EmailOptions).GetProperties().Where(p => p.CanWrite).Select(p => $"{EmailOptions.Section}:{p.Name}"),
    ];
}
