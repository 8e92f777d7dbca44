using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using ServerlessProvisioning.Client;
using ServerlessProvisioning.Client.Models;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.ClientTests;

/// <summary>The real local host (a process, on an Azurite of its own) with the sample organizations, for the client tests.</summary>
public sealed class ClientHostFixture : IAsyncLifetime
{
    DevServerProcess? host;

    public string BaseUrl => host!.BaseUrl;

    public ProvisioningClient Operator => Clients.Operator(BaseUrl, LocalHost.OperatorKey);

    public async ValueTask InitializeAsync() =>
        host = await DevServerProcess.StartAsync(seed: Path.Combine(DevTools.AzuriteProcess.FindRepositoryRoot()!, "samples", "organizations.json"));

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }
}

/// <summary>The README's walkthrough and an operator's day, every request made through the client Kiota generated from docs/openapi.json.</summary>
public class WalkthroughTests(ClientHostFixture host) : IClassFixture<ClientHostFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_signed_order_goes_through_the_wizard_and_an_approval_to_Completed()
    {
        var orderId = "kiota-" + Guid.NewGuid().ToString("N")[..6];
        var admin = orderId + "@acme.com";

        // 1. The order system posts the signed order (the X-Provisioning-Signature header parameter).
        var accepted = await Clients.OrderSystem(host.BaseUrl, LocalHost.Secret).Api.Orders.PostAsync(Order(orderId), cancellationToken: Ct);
        Assert.Equal("order-" + orderId, accepted!.InstanceId);

        // 2. The invitation's token, from the local mailbox; the wizard takes it as a bearer token (linkToken), or in the path.
        var token = (await MailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Invitation))).First(m => m.Kind == EmailKind.Invitation).WizardToken!;
        var wizard = Clients.Link(host.BaseUrl, token);
        Assert.Equal(ProvisioningStage.InvitationSent, (await wizard.Api.Wizard.GetAsync(cancellationToken: Ct))!.Stage);
        Assert.Equal(orderId, (await Clients.Anonymous(host.BaseUrl).Api.Wizard[token].GetAsync(cancellationToken: Ct))!.OrderId);

        // 3. The company and an admin address that is not the contact's: a code goes to it.
        var submitted = await wizard.Api.Wizard.Submission.PostAsync(new SubmissionBody { CompanyName = "Acme Ltd", AdminEmail = admin }, cancellationToken: Ct);
        Assert.NotEqual(ProvisioningStage.AwaitingOrganizationChoice, submitted!.Stage);
        await StageAsync(wizard, ProvisioningStage.AwaitingAdminEmailVerification);

        // 4. The code from the admin's mailbox: Rule B finds the Acme organizations.
        var code = (await MailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.AdminEmailVerification))).First(m => m.Kind == EmailKind.AdminEmailVerification).VerificationCode!;
        await wizard.Api.Wizard.Verification.PostAsync(new VerificationBody { Code = code }, cancellationToken: Ct);
        var choosing = await StageAsync(wizard, ProvisioningStage.AwaitingOrganizationChoice);
        Assert.Contains(choosing.Candidates!, c => c.OrganizationId == "org-acme");

        // 5. The choice: Acme Corporation, whose full admin must approve.
        await wizard.Api.Wizard.Choice.PostAsync(new ChoiceBody { OrganizationId = "org-acme" }, cancellationToken: Ct);
        await StageAsync(wizard, ProvisioningStage.AwaitingAdminApproval);

        // 6. Ana approves through her own link, as a bearer token.
        var approvalToken = (await MailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest))).First(m => m.Kind == EmailKind.ApprovalRequest).ApprovalToken!;
        var approver = Clients.Link(host.BaseUrl, approvalToken);
        Assert.Equal(admin, (await approver.Api.Approvals.GetAsync(cancellationToken: Ct))!.RequestedAdminEmail);
        await approver.Api.Approvals.PostAsync(new ApprovalBody { Decision = "approve", Comment = "Welcome" }, cancellationToken: Ct);
        var done = await StageAsync(wizard, ProvisioningStage.Completed);
        Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, done.Outcome);

        // 7. The operator's view of the order (operatorKey), with its audit trail.
        var view = await Eventually.WaitAsync(() => host.Operator.Api.Orders[orderId].GetAsync(cancellationToken: Ct)!, o => o!.RuntimeStatus == "Completed", Patience, "the workflow to finish");
        Assert.Equal(ProvisioningStage.Completed, view!.Stage);
        Assert.Equal("org-acme", view.OrganizationId);
        Assert.Contains(view.Audit!, a => a.Action == "Approved" && a.Detail == "Welcome");
    }

    [Fact]
    public async Task An_operator_pages_and_filters_the_order_list()
    {
        var prefix = "kiota-list-" + Guid.NewGuid().ToString("N")[..6];
        var orderSystem = Clients.OrderSystem(host.BaseUrl, LocalHost.Secret);
        foreach (var n in new[] { 1, 2, 3 })
        {
            await orderSystem.Api.Orders.PostAsync(Order($"{prefix}-{n}"), cancellationToken: Ct);
        }

        // Each order is listed once the workflow has recorded it at InvitationSent.
        await Eventually.WaitAsync(
            async () => await AllAsync(c => c.QueryParameters.Stage = ProvisioningStage.InvitationSent),
            orders => orders.Count(o => o.StartsWith(prefix, StringComparison.Ordinal)) == 3,
            Patience,
            "the three orders at InvitationSent");

        var first = await host.Operator.Api.Orders.GetAsync(c => c.QueryParameters.PageSize = 1, Ct);
        Assert.Single(first!.Items!);
        Assert.NotNull(first.ContinuationToken);
        var second = await host.Operator.Api.Orders.GetAsync(
            c =>
            {
                c.QueryParameters.PageSize = 1;
                c.QueryParameters.ContinuationToken = first.ContinuationToken;
            },
            Ct);
        Assert.NotEqual(first.Items![0].OrderId, second!.Items!.Single().OrderId);

        var outOfRange = await Assert.ThrowsAsync<HttpValidationProblemDetails>(() => host.Operator.Api.Orders.GetAsync(c => c.QueryParameters.PageSize = 101, Ct));
        Assert.Equal(400, outOfRange.ResponseStatusCode);
        Assert.True(outOfRange.Errors!.AdditionalData.ContainsKey("pageSize"));
    }

    [Fact]
    public async Task An_operator_searches_the_directory_and_replaces_an_organization_with_If_Match()
    {
        var found = await host.Operator.Api.Organizations.GetAsync(c => c.QueryParameters.Email = "ANA@acme.com", Ct);
        var acme = Assert.Single(found!.Items!, e => e.OrganizationId == "org-acme");
        Assert.True(acme.IsFullAdmin);
        var byDomain = await host.Operator.Api.Organizations.GetAsync(
            c =>
            {
                c.QueryParameters.Domain = "acme.com";
                c.QueryParameters.PageSize = 1;
            },
            Ct);
        Assert.Single(byDomain!.Items!);
        Assert.NotNull(byDomain.ContinuationToken);
        var unfiltered = await Assert.ThrowsAsync<HttpValidationProblemDetails>(() => host.Operator.Api.Organizations.GetAsync(cancellationToken: Ct));
        Assert.Equal(400, unfiltered.ResponseStatusCode);

        // A new organization (If-None-Match: *), then a replacement conditional on the ETag read back.
        var id = "org-kiota-" + Guid.NewGuid().ToString("N")[..6];
        var organization = new Organization
        {
            Id = id,
            Name = "Kiota Works",
            Type = OrganizationType.Customer,
            CreatedAt = new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero),
            Users = [new OrganizationUser { Email = "owner@kiota-works.example", Roles = [UserRole.FullAdmin] }],
            Subscriptions = [],
        };
        var item = host.Operator.Api.Organizations[id];
        await item.PutAsync(organization, c => c.Headers.Add("If-None-Match", "*"), Ct);
        var read = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        await item.GetAsync(c => c.Options.Add(read), Ct);
        var etag = Assert.Single(read.ResponseHeaders["ETag"]);

        organization.Name = "Kiota Works Ltd";
        var written = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        var replaced = await item.PutAsync(
            organization,
            c =>
            {
                c.Headers.Add("If-Match", etag);
                c.Options.Add(written);
            },
            Ct);
        Assert.Equal("Kiota Works Ltd", replaced!.Name);
        Assert.NotEqual(etag, Assert.Single(written.ResponseHeaders["ETag"]));

        // The version read first is gone: the same If-Match now fails.
        var stale = await Assert.ThrowsAsync<ProblemDetails>(() => item.PutAsync(organization, c => c.Headers.Add("If-Match", etag), Ct));
        Assert.Equal(412, stale.ResponseStatusCode);
    }

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static OrderRequest Order(string orderId) => new()
    {
        OrderId = orderId,
        SubscriptionId = "sub-" + orderId,
        ProvisioningContactEmail = "buyer@acme.com",
        Scenario = ProvisioningScenario.CustomerSelf,
        Locale = "en",
    };

    async Task<List<MailboxEntry>> MailAsync(string orderId, Func<List<MailboxEntry>, bool> condition) =>
        await Eventually.WaitAsync(
            async () => await Clients.Anonymous(host.BaseUrl).Dev.Mailbox.GetAsync(c => c.QueryParameters.OrderId = orderId, Ct) ?? [],
            condition,
            Patience,
            "the mail of " + orderId);

    static async Task<WizardState> StageAsync(ProvisioningClient wizard, ProvisioningStage stage) =>
        (await Eventually.WaitAsync(() => wizard.Api.Wizard.GetAsync(cancellationToken: Ct), s => s!.Stage == stage, Patience, $"stage {stage}"))!;

    // Every order id the list holds, page after page.
    async Task<List<string>> AllAsync(Action<RequestConfiguration<Client.Api.Orders.OrdersRequestBuilder.OrdersRequestBuilderGetQueryParameters>> filter)
    {
        var ids = new List<string>();
        string? next = null;
        do
        {
            var page = await host.Operator.Api.Orders.GetAsync(
                c =>
                {
                    filter(c);
                    c.QueryParameters.ContinuationToken = next;
                },
                Ct);
            ids.AddRange(page!.Items!.Select(i => i.OrderId!));
            next = page.ContinuationToken;
        }
        while (next is not null);
        return ids;
    }
}
