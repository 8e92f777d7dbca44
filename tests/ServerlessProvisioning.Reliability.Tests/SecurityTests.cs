using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.Reliability.Tests;

/// <summary>
/// A local host logging at Information (DevServerProcess defaults to Warning) that has run every kind of flow once:
/// Rule A, Rule A over several organizations, Rule B with candidates from several organizations and an approval, a
/// rejection, a cancel while an approval is pending, a resend to a new contact with a partner-for-customer choice,
/// and rejected webhooks.
/// </summary>
public sealed class SecurityHost : ReliabilityHost
{
    readonly Lazy<Task<IReadOnlyList<string>>> flows;

    public SecurityHost() => flows = new(RunFlowsAsync);

    protected override IDictionary<string, string> Settings => new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Information" };

    /// <summary>The addresses the actors typed in during the flows (the only sample addresses logs could legitimately mention).</summary>
    public static readonly IReadOnlyList<string> Entered = ["ana@acme.com", "hank@globex.com"];

    /// <summary>Runs the flows once; returns their order ids.</summary>
    public Task<IReadOnlyList<string>> FlowsAsync() => flows.Value;

    async Task<IReadOnlyList<string>> RunFlowsAsync()
    {
        var ids = new List<string>();
        string Id(string prefix)
        {
            var id = NewId(prefix);
            ids.Add(id);
            return id;
        }

        await Task.WhenAll(
            RuleAAsync(Id("log-rule-a")),
            SeveralAsync(Id("log-several")),
            RuleBApprovedAsync(Id("log-rule-b")),
            RejectedAsync(Id("log-rejected")),
            CancelledAsync(Id("log-cancel")),
            ResentAsync(Id("log-resend")),
            RejectedWebhooksAsync(Id("log-refused")));
        return ids;
    }

    async Task RuleAAsync(string id)
    {
        var token = await InviteAsync(id);
        using var submitted = await SubmitAsync(token, "Acme", "ana@acme.com");
        await WaitForStageAsync(token, ProvisioningStage.Completed);
    }

    async Task SeveralAsync(string id)
    {
        var token = await InviteAsync(id);
        using var submitted = await SubmitAsync(token, "Globex", "hank@globex.com");
        await WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);
        using var chosen = await ChooseAsync(token, "org-globex-eu");
        await WaitForStageAsync(token, ProvisioningStage.Completed);
    }

    async Task RuleBApprovedAsync(string id)
    {
        var token = await InviteAsync(id);
        await ToApprovalAsync(id, token, "Acme Ltd", $"new.{id}@acme.com", "org-acme");
        using var approved = await DecideAsync(await ApprovalTokenAsync(id, "ana@acme.com"), approve: true, "Welcome");
        await WaitForStageAsync(token, ProvisioningStage.Completed);
    }

    async Task RejectedAsync(string id)
    {
        var token = await InviteAsync(id);
        await ToApprovalAsync(id, token, "Telefonica", $"new.{id}@telefonica.es", "org-telefonica");
        using var rejected = await DecideAsync(await ApprovalTokenAsync(id, "marta@telefonica.es"), approve: false, "Not one of ours");
        await WaitForStageAsync(token, ProvisioningStage.Rejected);
    }

    async Task CancelledAsync(string id)
    {
        var token = await InviteAsync(id);
        await ToApprovalAsync(id, token, "Contoso", $"new.{id}@contoso.com", "org-contoso");
        var approval = await ApprovalTokenAsync(id, "megan@contoso.com");
        using var cancelled = await OperatorPostAsync($"/api/orders/{id}/cancel", new { reason = "Duplicate order" });
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        await Server.WaitForMailAsync(id, m => m.Count(x => x.Kind == EmailKind.Outcome) == 2, "contact and approver told", StepTimeout);

        // Links die with their workflow: both answer 410 once it is cancelled.
        using var wizard = await Server.Http.GetAsync($"/api/wizard/{token}");
        using var decision = await DecideAsync(approval, approve: true);
        Assert.Equal(HttpStatusCode.Gone, wizard.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, decision.StatusCode);
    }

    async Task ResentAsync(string id)
    {
        var old = await InviteAsync(id, "PartnerForCustomer");
        using var resent = await OperatorPostAsync($"/api/orders/{id}/invitation", new { provisioningContactEmail = $"colleague.{id}@example.org" });
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var mail = await Server.WaitForMailAsync(id, m => m.Count(x => x.Kind == EmailKind.Invitation) == 2, "the second invitation", StepTimeout);
        var token = mail.Last(m => m.Kind == EmailKind.Invitation).WizardToken!;
        Assert.NotEqual(old, token);
        using var submitted = await SubmitAsync(token, "Contoso", $"new.{id}@contoso.com");
        await WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);
        using var chosen = await ChooseAsync(token, "org-contoso");
        await WaitForStageAsync(token, ProvisioningStage.Completed);
    }

    async Task RejectedWebhooksAsync(string id)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Order(id), Json.Options);
        using var wrongSecret = await Server.PostSignedAsync("/api/orders", body, secret: "an-attacker-guess-0123456789");
        using var stale = await Server.PostSignedAsync("/api/orders", body, at: DateTimeOffset.UtcNow.AddMinutes(-10));
        using var invalid = await Server.PostSignedAsync("/api/orders", Encoding.UTF8.GetBytes("""{"orderId":"x/y"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    /// <summary>Every wizard and approval token the flows' emails carried.</summary>
    public async Task<IReadOnlyList<string>> MailedTokensAsync() =>
        (await Server.MailAsync()).SelectMany(m => new[] { m.WizardToken, m.ApprovalToken }).OfType<string>().Distinct().ToList();
}

/// <summary>
/// Tokens are unguessable, stored only as hashes, single-purpose and die with their workflow; the webhook signature
/// resists replay; logs hold no token, secret or other people's email; the wizard never reveals more organizations
/// than the rules allow, whatever is smuggled into a submission.
/// </summary>
public class SecurityTests(SecurityHost host) : IClassFixture<SecurityHost>
{
    DevServerProcess Server => host.Server;

    [Fact]
    public async Task A_thousand_issued_tokens_are_distinct_256_bit_values_unrelated_to_the_order()
    {
        // Issued through the product's own LinkTokens into tables of their own on the host's Azurite.
        var names = new TableNames("relsec" + Guid.NewGuid().ToString("N")[..6]);
        await Task.WhenAll(names.All.Select(t => host.Tables.CreateTableIfNotExistsAsync(t)));
        var tokens = new LinkTokens(host.Tables, names, new LinkTokenKey(ReliabilityHost.LinkTokenSecret));
        var issued = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var orderId = $"tok-{i:D4}";
            issued[orderId] = await tokens.IssueAsync(i % 2 == 0 ? TokenKind.Wizard : TokenKind.Approval, orderId, InstanceIds.ForOrder(orderId), 1, "holder@example.org", DateTimeOffset.UtcNow.AddDays(1), ct);
        });

        Assert.Equal(1000, issued.Values.Distinct().Count());
        Assert.All(issued.Values, t => Assert.True(LinkTokens.LooksLikeToken(t), t));
        var bits = issued.Values.Select(Decode).ToList();
        Assert.All(bits, b => Assert.Equal(32, b.Length));
        // 256 000 fair coin flips: 128 000 ones, standard deviation 253; ±1 500 is beyond six deviations.
        var ones = bits.Sum(b => b.Sum(x => BitOperations.PopCount(x)));
        Assert.InRange(ones, 126_500, 129_500);
        // Nothing of the order in it, and another key gives other tokens for the very same inputs.
        Assert.All(issued, p => Assert.DoesNotContain(p.Key, p.Value, StringComparison.OrdinalIgnoreCase));
        var otherKey = new LinkTokens(host.Tables, names, new LinkTokenKey("some-other-link-token-secret-0123456789"));
        Assert.All(issued, p => Assert.NotEqual(p.Value, otherKey.Derive(TokenKind.Wizard, InstanceIds.ForOrder(p.Key), 1, "holder@example.org")));
        Assert.All(issued.Keys, id => Assert.DoesNotContain(Base64Url(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(id))), issued.Values));

        // And stored only as hashes.
        var stored = await host.RowsAsync(names.Tokens);
        Assert.Equal(1000, stored.Count);
        Assert.Equal(issued.Values.Select(LinkTokens.Hash).Order(), stored.Select(r => r.PartitionKey).Order());
        AssertNoToken(stored.Concat(await host.RowsAsync(names.Orders)), issued.Values.ToHashSet());
        ReliabilityHost.Report("security: 1000 tokens issued, 1000 distinct, 43 base64url characters (256 bits), ones " + ones + "/256000, none in storage");
    }

    [Fact]
    public async Task Tokens_from_real_flows_are_stored_only_as_hashes_everywhere_but_the_local_mailbox()
    {
        var orders = await host.FlowsAsync();
        var tokens = (await host.MailedTokensAsync()).ToHashSet();

        Assert.True(tokens.Count >= orders.Count, $"{tokens.Count} tokens from {orders.Count} orders");
        Assert.All(tokens, t => Assert.True(LinkTokens.LooksLikeToken(t)));
        Assert.All(orders, id => Assert.DoesNotContain(tokens, t => t.Contains(id, StringComparison.OrdinalIgnoreCase)));
        var stored = await host.RowsAsync(ReliabilityHost.Names.Tokens);
        Assert.All(tokens, t => Assert.Contains(stored, r => r.PartitionKey == LinkTokens.Hash(t)));

        // Every table of the storage account — product tables and the durable task hub's — except the local mailbox, which is the email.
        var scanned = 0;
        await foreach (var table in host.Tables.QueryAsync())
        {
            if (table.Name == LocalMailbox.TableName(ReliabilityHost.Names))
            {
                continue;
            }

            var rows = await host.RowsAsync(table.Name);
            scanned += rows.Count;
            AssertNoToken(rows, tokens);
        }

        ReliabilityHost.Report($"security: {tokens.Count} mailed tokens, none of them in {scanned} stored rows outside the mailbox");
    }

    static void AssertNoToken(IEnumerable<TableEntity> rows, HashSet<string> tokens)
    {
        foreach (var row in rows)
        {
            foreach (var (key, value) in row.Append(new("PartitionKey", row.PartitionKey)).Append(new("RowKey", row.RowKey)))
            {
                if (value is string text && tokens.FirstOrDefault(t => text.Contains(t, StringComparison.Ordinal)) is { } found)
                {
                    Assert.Fail($"{row.PartitionKey}/{row.RowKey}.{key} holds the token {found[..6]}…");
                }
            }
        }
    }

    [Fact]
    public async Task Tokens_are_single_purpose()
    {
        var orderId = ReliabilityHost.NewId("purpose");
        var wizard = await host.InviteAsync(orderId);
        await host.ToApprovalAsync(orderId, wizard, "Contoso", $"new.{orderId}@contoso.com", "org-contoso");
        var approval = await host.ApprovalTokenAsync(orderId, "megan@contoso.com");

        using var approvalAsWizard = await Server.Http.GetAsync($"/api/wizard/{approval}");
        using var approvalSubmits = await host.SubmitAsync(approval, "Contoso", "megan@contoso.com");
        using var approvalChooses = await host.CreateNewAsync(approval);
        using var wizardAsApproval = await Server.Http.GetAsync($"/api/approvals/{wizard}");
        using var wizardDecides = await host.DecideAsync(wizard, approve: true);

        foreach (var response in new[] { approvalAsWizard, approvalSubmits, approvalChooses, wizardAsApproval, wizardDecides })
        {
            await ReliabilityHost.AssertProblemAsync(response, HttpStatusCode.NotFound);
        }

        Assert.Equal(ProvisioningStage.AwaitingAdminApproval, (await host.WizardAsync(wizard)).Stage);
    }

    [Fact]
    public async Task A_captured_webhook_replayed_with_another_body_or_more_than_5_minutes_later_is_401_and_writes_nothing()
    {
        var orderId = ReliabilityHost.NewId("replay");
        var body = JsonSerializer.SerializeToUtf8Bytes(ReliabilityHost.Order(orderId), Json.Options);
        var header = WebhookSignature.Sign(body, DevServerProcess.Secret, DateTimeOffset.UtcNow);
        using var original = await SendAsync(body, header);
        Assert.Equal(HttpStatusCode.Accepted, original.StatusCode);

        // The same capture again: the same order, answered as before.
        using var replayed = await SendAsync(body, header);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);

        // The capture's signature on a modified body: another order, another scenario, one byte more.
        var otherOrder = ReliabilityHost.NewId("replay-forged");
        using var forgedOrder = await SendAsync(JsonSerializer.SerializeToUtf8Bytes(ReliabilityHost.Order(otherOrder), Json.Options), header);
        using var forgedScenario = await SendAsync(JsonSerializer.SerializeToUtf8Bytes(ReliabilityHost.Order(orderId, "PartnerSelf"), Json.Options), header);
        using var forgedSpace = await SendAsync([.. body, (byte)' '], header);

        // A valid signature captured 5 minutes and 1 second ago, replayed now for a new order.
        var lateOrder = ReliabilityHost.NewId("replay-late");
        var lateBody = JsonSerializer.SerializeToUtf8Bytes(ReliabilityHost.Order(lateOrder), Json.Options);
        using var late = await SendAsync(lateBody, WebhookSignature.Sign(lateBody, DevServerProcess.Secret, DateTimeOffset.UtcNow - WebhookSignature.Tolerance - TimeSpan.FromSeconds(1)));

        foreach (var response in new[] { forgedOrder, forgedScenario, forgedSpace, late })
        {
            await ReliabilityHost.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        Assert.Null(await host.OrderAsync(otherOrder));
        Assert.Null(await host.OrderAsync(lateOrder));
        Assert.Equal(ProvisioningScenario.CustomerSelf, (await host.WizardAsync((await Server.WaitForMailAsync(orderId, m => m.Count > 0, "invitation"))[0].WizardToken!)).Scenario);
    }

    async Task<HttpResponseMessage> SendAsync(byte[] body, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.Header, signature);
        return await Server.Http.SendAsync(request);
    }

    [Fact]
    public async Task Logs_at_Information_hold_no_secret_key_or_email_address_of_other_organizations_users()
    {
        var orders = await host.FlowsAsync();
        var output = Server.Output;

        // The level override took: the workflow's own Information lines are there.
        Assert.Contains(orders, id => output.Contains($"Order {id}", StringComparison.Ordinal));
        Assert.DoesNotContain(DevServerProcess.Secret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(ReliabilityHost.LinkTokenSecret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(DevServerProcess.OperatorKey, output, StringComparison.Ordinal);
        var leaked = ReliabilityHost.SampleEmails.Except(SecurityHost.Entered, StringComparer.OrdinalIgnoreCase)
            .Where(e => output.Contains(e, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Empty(leaked);
        ReliabilityHost.Report($"security: {output.Split('\n').Length} log lines at Information from {orders.Count} flows: no secret, no key, none of {ReliabilityHost.SampleEmails.Count - SecurityHost.Entered.Count} other people's addresses");
    }

    [Fact]
    public async Task Logs_at_Information_hold_no_link_token()
    {
        await host.FlowsAsync();
        var output = Server.Output;
        var tokens = await host.MailedTokensAsync();

        var leaked = tokens.Where(t => output.Contains(t, StringComparison.Ordinal)).ToList();

        Assert.True(leaked.Count == 0, $"{leaked.Count} of {tokens.Count} tokens are in the log");
    }

    public static TheoryData<string, string> RuleBSubmissions => new()
    {
        { "Acme Ltd", "someone.new@acme.com" },
        { "ACME, Inc.", "bob@acme.com" },
        { "Telefonica", "someone.new@telefonica.es" },
        { "Smith Plumbing", "someone.new@gmail.com" },
        { "Globex", "someone.new@globex.com" },
        { "Bücher und Söhne", "someone.new@bücher.de" },
        { "Contoso", "someone.new@contoso.com" },
        { "Fabrikam", "someone.new@acme.com" },
        { "Zeta Widgets", "owner@zeta-widgets.example" },
    };

    [Theory]
    [MemberData(nameof(RuleBSubmissions))]
    public async Task The_wizard_lists_exactly_the_organizations_the_rules_give_over_the_samples_and_no_member_addresses(string companyName, string adminEmail)
    {
        var orderId = ReliabilityHost.NewId("reveal");
        var token = await host.InviteAsync(orderId);
        Assert.True(SubmissionValidator.TryCreate(companyName, adminEmail, out var submission, out _));
        var expected = ReferenceMatcher.Match(submission, ReliabilityHost.SampleOrganizations, MatchingPolicy.Default, DateTimeOffset.UtcNow, OrganizationType.Customer);

        using var submitted = await host.SubmitAsync(token, companyName, adminEmail);
        Assert.True(submitted.IsSuccessStatusCode);
        var state = await host.WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);

        Assert.Equal(MatchKind.Candidates, state.MatchKind);
        Assert.Equal(expected.Candidates.Select(c => c.OrganizationId).Order(), state.Candidates!.Select(c => c.OrganizationId).Order());
        var stored = (await host.StoredOrganizationsAsync()).ToDictionary(o => o.Id);
        foreach (var candidate in state.Candidates!)
        {
            // Whole only at the proven admin's own (not free-mail) domain; masked otherwise (AdminAddressDisclosure).
            Assert.Equal(
                stored[candidate.OrganizationId].Users.Where(u => u.IsFullAdmin).Select(u => EmailAddress.Normalize(u.Email))
                    .Select(e => AdminAddressDisclosure.ShowsWhole(e, adminEmail, MatchingPolicy.Default.FreeMailDomains) ? e : AdminAddressDisclosure.Mask(e)).Order(),
                candidate.FullAdmins.Select(a => a.Email).Order());
        }

        // Only full admins are named: no other member's address appears anywhere in what the wizard returns.
        using var raw = await Server.Http.GetAsync($"/api/wizard/{token}");
        var json = await raw.Content.ReadAsStringAsync();
        var members = ReliabilityHost.SampleOrganizations.SelectMany(o => o.Users).Where(u => !u.IsFullAdmin).Select(u => u.Email)
            .Where(e => !string.Equals(e, adminEmail, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(members, e => json.Contains(e, StringComparison.OrdinalIgnoreCase));
    }

    public static TheoryData<string, string> Smuggled => new()
    {
        { "*", "someone@acme.com" },
        { "' or ''='", "someone@acme.com" },
        { "' or 1 eq 1", "someone@contoso.com" },
        { "PartitionKey ge ''", "someone@contoso.com" },
        { "%", "someone@acme.com" },
        { "Acme*", "someone@acme.com" },
        { "Acme%", "someone@acme.com" },
        { "Acme' or Name ne '", "someone@acme.com" },
        { "Contoso", "*@contoso.com" },
        { "Contoso", "%@contoso.com" },
        { "Contoso", "megan%@contoso.com" },
        { "Contoso", "*megan@contoso.com" },
        { "Contoso", "megan*@contoso.com" },
        { "Contoso", "megan@contoso.com%00" },
        { "Contoso", "megan@*.com" },
        { "Contoso", "megan@c\u043Entoso.com" },
        { "Contoso", "\uFF4D\uFF45\uFF47\uFF41\uFF4E@contoso.com" },
        { "Contoso", "megan@\uFF43\uFF4F\uFF4E\uFF54\uFF4F\uFF53\uFF4F.com" },
        { "Contoso", "MEGAN@CONTOSO.COM" },
        { "Contoso", "  megan@contoso.com  " },
        { "Telefónica", "admin.collab@telefonica.es'" },
        { "Acme", "ana+x@acme.com" },
        { "Acme", "ana@acme.com.evil.example" },
        { "Acme", "ana@mail.acme.com" },
    };

    [Theory]
    [MemberData(nameof(Smuggled))]
    public async Task Wildcards_and_OData_in_a_submission_never_widen_matching(string companyName, string adminEmail)
    {
        var orderId = ReliabilityHost.NewId("smuggle");
        var token = await host.InviteAsync(orderId);

        using var submitted = await host.SubmitAsync(token, companyName, adminEmail);

        if (!SubmissionValidator.TryCreate(companyName, adminEmail, out var submission, out _))
        {
            await ReliabilityHost.AssertProblemAsync(submitted, HttpStatusCode.BadRequest);
            return;
        }

        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        var state = await Eventually.WaitAsync(() => host.WizardAsync(token), s => s.Stage is not (ProvisioningStage.InvitationSent or ProvisioningStage.Matching), ReliabilityHost.StepTimeout, "matching");
        var expected = ReferenceMatcher.Match(submission, await host.StoredOrganizationsAsync(), MatchingPolicy.Default, DateTimeOffset.UtcNow, OrganizationType.Customer);
        Assert.Equal(expected.Kind, state.MatchKind);
        Assert.Equal(expected.Candidates.Select(c => c.OrganizationId).Order(), (state.Candidates ?? []).Select(c => c.OrganizationId).Order());
        Assert.True((state.Candidates ?? []).Count <= 3, $"{(state.Candidates ?? []).Count} candidates for '{companyName}' / '{adminEmail}'");
    }

    [Fact]
    public async Task Unknown_fields_are_ignored_and_assign_nothing()
    {
        var orderId = ReliabilityHost.NewId("extra");
        var order = new { orderId, subscriptionId = "sub-" + orderId, provisioningContactEmail = "buyer@example.org", scenario = "CustomerSelf", locale = "en", instanceId = "order-someone-else", stage = "Completed", organizationId = "org-acme" };
        using var accepted = await Server.PostOrderAsync(order);
        using var again = await Server.PostOrderAsync(order with { });
        using var otherExtras = await Server.PostOrderAsync(new { orderId, subscriptionId = "sub-" + orderId, provisioningContactEmail = "buyer@example.org", scenario = "CustomerSelf", locale = "en", priority = "high" });

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("order-" + orderId, (await accepted.Content.ReadFromJsonAsync<OrderAccepted>(Json.Options))!.InstanceId);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherExtras.StatusCode);

        var token = (await Server.WaitForMailAsync(orderId, m => m.Count > 0, "invitation"))[0].WizardToken!;
        var company = "Zeta Unknown " + orderId;
        var admin = $"owner@{orderId}.example.org";
        using var submitted = await Server.SubmitAsync(token, new
        {
            companyName = company,
            adminEmail = admin,
            organizationId = "org-acme",
            stage = "Completed",
            matchKind = "AdminOfOne",
            outcome = "AssignedToExistingOrganization",
            candidates = new[] { new { organizationId = "org-acme" } },
        });
        var state = await host.WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);
        Assert.Empty(state.Candidates!);
        Assert.Null(state.Outcome);

        using var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { createNew = true, name = "Evil Corp", type = "Partner", adminEmail = "evil@evil.example", fullAdmins = new[] { "evil@evil.example" } });
        var done = await host.WaitForStageAsync(token, ProvisioningStage.Completed);
        var created = (await host.StoredOrganizationsAsync()).Single(o => o.Id == done.Organization!.OrganizationId);
        Assert.Equal(company, created.Name);
        Assert.Equal(OrganizationType.Customer, created.Type);
        Assert.Equal([EmailAddress.Normalize(admin)], created.Users.Select(u => EmailAddress.Normalize(u.Email)));
    }

    [Fact]
    public async Task Duplicate_keys_take_the_last_value_for_validation_and_use_alike()
    {
        var orderId = ReliabilityHost.NewId("dupkeys");
        var token = await host.InviteAsync(orderId);
        var company = "Zeta Last " + orderId;
        var admin = $"last@{orderId}.example.org";
        using var content = new StringContent($$"""{"companyName":"*","adminEmail":"not an email","companyName":"{{company}}","adminEmail":"{{admin}}"}""", Encoding.UTF8, "application/json");

        using var submitted = await Server.Http.PostAsync($"/api/wizard/{token}/submission", content);

        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        var state = await host.WaitForStageAsync(token, ProvisioningStage.AwaitingAdminEmailVerification);
        Assert.Equal(company, state.Submission!.CompanyName);
        Assert.Equal(admin, state.Submission.AdminEmail);
    }

    static byte[] Decode(string token) => Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "=");

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
