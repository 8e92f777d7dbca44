using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Hosting;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Tests.Provisioning;

/// <summary>
/// The workflow on the real Durable Task engine (in-process test host) with its activities on a real
/// Azurite: one host for a test class; each test uses its own orders.
/// </summary>
public sealed class WorkflowFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    public const string Secret = "test-secret-that-is-long-enough-0123456789";

    public static readonly ProvisioningTimings LongTimings = new(TimeSpan.FromDays(30), TimeSpan.FromDays(7), TimeSpan.FromDays(7), TimeSpan.FromDays(2));

    DurableTaskTestHost? host;

    public DurableTaskClient Client => host!.Client;

    public IServiceProvider Services => host!.Services;

    public TableNames Names { get; private set; } = null!;

    public OrganizationStore Organizations => Services.GetRequiredService<OrganizationStore>();

    public LocalMailbox Mailbox => Services.GetRequiredService<LocalMailbox>();

    public OrderStore Orders => Services.GetRequiredService<OrderStore>();

    public LinkTokens Tokens => Services.GetRequiredService<LinkTokens>();

    public TroubledMailService MailService => Services.GetRequiredService<TroubledMailService>();

    public async ValueTask InitializeAsync()
    {
        Names = await azurite.CreateTablesAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Provisioning:OrderWebhookSecret"] = Secret,
            ["Provisioning:LinkTokenSecret"] = "test-link-token-secret-0123456789abcdef0123",
            ["Provisioning:PublicBaseUrl"] = "http://wizard.test",
        }).Build();
        host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddProvisioningTasks(),
            new DurableTaskTestHostOptions
            {
                ConfigureServices = services =>
                {
                    services.AddLogging();
                    services.AddSingleton(Names);
                    services.AddProvisioning(configuration);
                    services.AddLocalMailbox();
                    services.AddSingleton(sp => new TroubledMailService(sp.GetRequiredService<LocalMailbox>()));
                    services.AddSingleton<IEmailSender>(sp => sp.GetRequiredService<TroubledMailService>());
                },
            });
        await new OrganizationImporter(Organizations).ImportAsync(MatchingWorld.Organizations, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>An organization of this test's own, at a domain no other test uses, with one full admin.</summary>
    public async Task<(string Id, string Admin, string Domain)> CreateOrganizationAsync(string name = "Initrode Systems", int activeSubscriptions = 1, int users = 3, OrganizationType type = OrganizationType.Customer)
    {
        var domain = $"d{Guid.NewGuid():N}"[..14] + ".example";
        var id = $"org-{Guid.NewGuid():N}"[..16];
        var admin = $"boss@{domain}";
        var members = Enumerable.Range(1, users - 1).Select(i => new OrganizationUser($"user{i}@{domain}")).Prepend(new OrganizationUser(admin, "The Boss", [UserRole.FullAdmin])).ToList();
        var subscriptions = Enumerable.Range(1, activeSubscriptions).Select(i => new OrganizationSubscription($"{id}-s{i}", SubscriptionStatus.Active)).ToList();
        await Organizations.PutAsync(new Organization(id, name, type, DateTimeOffset.UtcNow.AddYears(-3), members, subscriptions), null, CancellationToken.None);
        return (id, admin, domain);
    }

    /// <summary>Mail to this domain always fails, as a mail service that keeps refusing would.</summary>
    public const string Unreachable = "unreachable.example";

    /// <summary>Mail to this domain is refused for good (a 4xx other than throttling).</summary>
    public const string Refusing = "refusing.example";

    /// <summary>Mail to this domain is throttled twice per email, a second each, then taken.</summary>
    public const string Throttling = "throttling.example";

    public static ProvisioningOrder Order(ProvisioningScenario scenario = ProvisioningScenario.CustomerSelf, string? contact = null) =>
        new($"ord-{Guid.NewGuid():N}"[..20], $"sub-{Guid.NewGuid():N}"[..16], contact ?? "contact@buyer.example", scenario, Locale: "en");

    public async Task<string> StartAsync(ProvisioningOrder order, ProvisioningTimings? timings = null)
    {
        var instanceId = InstanceIds.ForOrder(order.OrderId);
        await Orders.RegisterAsync(order.OrderId, "fingerprint", instanceId, DateTimeOffset.UtcNow, order.SubscriptionId, order.ProvisioningContactEmail, CancellationToken.None);
        await Client.ScheduleNewOrchestrationInstanceAsync(ProvisioningWorkflow.Name, new ProvisioningInput(order, timings ?? LongTimings), WorkflowRelease.Current.StartOptions(instanceId));
        return instanceId;
    }

    // As the pages read it: the candidates the status names, from the order's own partition.
    public async Task<ProvisioningStatus> StatusAsync(string instanceId)
    {
        var metadata = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
        return metadata?.SerializedCustomStatus is { Length: > 0 } json
            ? await Services.GetRequiredService<CandidateStore>().WithCandidatesAsync(Json.Deserialize<ProvisioningStatus>(json)!, CancellationToken.None)
            : null!;
    }

    /// <summary>The custom status exactly as the engine stores it.</summary>
    public async Task<string?> RawStatusAsync(string instanceId) => (await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true))?.SerializedCustomStatus;

    public Task<ProvisioningStatus> WaitForAsync(string instanceId, Func<ProvisioningStatus, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => StatusAsync(instanceId), s => s is not null && condition(s), timeout ?? TimeSpan.FromSeconds(30), what);

    public Task<ProvisioningStatus> WaitForStageAsync(string instanceId, ProvisioningStage stage, TimeSpan? timeout = null) =>
        WaitForAsync(instanceId, s => s.Stage == stage, $"stage {stage}", timeout);

    public async Task<OrchestrationMetadata> WaitForCompletionAsync(string instanceId)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
    }

    public async Task<IReadOnlyList<MailboxEntry>> MailAsync(string orderId) =>
        (await Mailbox.ListAsync(orderId, CancellationToken.None)).Reverse().ToList();

    public Task<IReadOnlyList<MailboxEntry>> WaitForMailAsync(string orderId, Func<IReadOnlyList<MailboxEntry>, bool> condition, string what) =>
        Eventually.WaitAsync(() => MailAsync(orderId), condition, TimeSpan.FromSeconds(30), what);

    /// <summary>Submits, and when the workflow asks to prove the admin address, enters the code the admin was sent.</summary>
    public async Task SubmitAsync(string instanceId, ProvisioningStatus at, string companyName, string adminEmail)
    {
        var next = await SubmitOnlyAsync(instanceId, at, companyName, adminEmail);
        if (next.Stage == ProvisioningStage.AwaitingAdminEmailVerification)
        {
            await EnterCodeAsync(instanceId, next, CodeFor(instanceId, next));
        }
    }

    /// <summary>Submits and waits for the workflow's next step.</summary>
    public async Task<ProvisioningStatus> SubmitOnlyAsync(string instanceId, ProvisioningStatus at, string companyName, string adminEmail)
    {
        await Client.RaiseEventAsync(instanceId, ProvisioningEvents.WizardSubmitted, new WizardSubmitted(at.Step, companyName, adminEmail, DateTimeOffset.UtcNow));
        return await WaitForAsync(instanceId, s => s.Step > at.Step && s.Stage != ProvisioningStage.Matching, "the submission's next step");
    }

    /// <summary>The code the admin address was sent in this status's verification round.</summary>
    public string CodeFor(string instanceId, ProvisioningStatus at) => Tokens.VerificationCode(instanceId, at.Verification!.Round, at.Verification.SentTo);

    public Task EnterCodeAsync(string instanceId, ProvisioningStatus at, string code) =>
        Client.RaiseEventAsync(instanceId, ProvisioningEvents.VerificationCodeEntered, new VerificationCodeEntered(at.Step, code, DateTimeOffset.UtcNow));

    public Task ChooseAsync(string instanceId, ProvisioningStatus at, string? organizationId) =>
        Client.RaiseEventAsync(instanceId, ProvisioningEvents.OrganizationChosen, new OrganizationChosen(at.Step, organizationId, organizationId is null, DateTimeOffset.UtcNow));

    public Task DecideAsync(string instanceId, ProvisioningStatus at, bool approve, string by = "ana@acme.com", string? comment = null) =>
        Client.RaiseEventAsync(instanceId, ProvisioningEvents.ApprovalDecided, new ApprovalDecided(at.Step, approve, comment, by, DateTimeOffset.UtcNow));
}

/// <summary>
/// The local mailbox behind a mail service with troubles by recipient domain: <see cref="WorkflowFixture.Unreachable"/>
/// always fails (as a service that keeps answering 503 would), <see cref="WorkflowFixture.Refusing"/> refuses every
/// email for good (a 400), and <see cref="WorkflowFixture.Throttling"/> asks to wait a second, twice per email, before
/// it takes it. Every attempt is counted by recipient domain.
/// </summary>
public sealed class TroubledMailService(IEmailSender inner) : IEmailSender
{
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> attempts = new();

    /// <summary>How many sends were attempted to a domain.</summary>
    public int AttemptsTo(string domain) => attempts.Where(a => a.Key.EndsWith("@" + domain, StringComparison.Ordinal)).Sum(a => a.Value);

    public Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        var attempt = attempts.AddOrUpdate(email.IdempotencyKey + "|" + email.To.Address, 1, (_, n) => n + 1);
        var address = email.To.Address;
        return address.EndsWith("@" + WorkflowFixture.Unreachable, StringComparison.Ordinal) ? throw new InvalidOperationException("The mail service refused the message.")
            : address.EndsWith("@" + WorkflowFixture.Refusing, StringComparison.Ordinal) ? throw new EmailRejectedException(400, "InvalidRecipient")
            : address.EndsWith("@" + WorkflowFixture.Throttling, StringComparison.Ordinal) && attempt <= 2 ? throw new EmailThrottledException(TimeSpan.FromSeconds(1))
            : inner.SendAsync(email, cancellationToken);
    }
}
