using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.Reliability.Tests;

/// <summary>A local host that reports finished orders to a receiver which fails each delivery's first try.</summary>
public sealed class CrashHost : ReliabilityHost
{
    public CallbackReceiver Receiver { get; private set; } = null!;

    protected override IDictionary<string, string> Settings => new Dictionary<string, string> { ["Provisioning__OrderCallbackUrl"] = Receiver.Url };

    public override async ValueTask InitializeAsync()
    {
        Receiver = await CallbackReceiver.StartAsync(Testing.DevServerProcess.Secret);
        Receiver.FailFirst = 1;
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>
/// SIGKILL the local host while it works — mid-burst of new orders, while approvals are being decided and while
/// outcome callbacks are being retried — restart it on the same storage, and drive every order to its end: nothing
/// is lost, nothing is sent twice.
/// </summary>
public class CrashRecoveryTests(CrashHost host) : IClassFixture<CrashHost>
{
    // After a SIGKILL, the queue messages the dead process had dequeued stay invisible for the Azure Storage
    // provider's visibility timeout (5 minutes, not configurable on the local host), so recovery can take that long.
    static readonly TimeSpan Recovery = TimeSpan.FromMinutes(7);

    DevServerProcess Server => host.Server;

    sealed record Expected(string OrderId, string Contact, ProvisioningStage Stage, ProvisioningOutcome Outcome, string? OrganizationId, EmailKind[] Kinds);

    [Fact]
    public async Task Orders_survive_SIGKILL_mid_burst_mid_decision_and_mid_callback_with_every_email_sent_exactly_once()
    {
        var clock = Stopwatch.StartNew();
        var run = Guid.NewGuid().ToString("N")[..6];
        var expected = new ConcurrentDictionary<string, Expected>();
        void Expect(string id, ProvisioningStage stage, ProvisioningOutcome outcome, string? organizationId, params EmailKind[] kinds) =>
            expected[id] = new Expected(id, Contact(id), stage, outcome, organizationId, kinds);

        // Workflows waiting for the wizard: two will take Rule A, two (partner for customer) a candidate.
        var ruleA = Enumerable.Range(0, 2).Select(i => $"crash-{run}-a{i}").ToList();
        var partner = Enumerable.Range(0, 2).Select(i => $"crash-{run}-p{i}").ToList();
        // Workflows waiting for megan@contoso.com's approval.
        var approvals = Enumerable.Range(0, 6).Select(i => $"crash-{run}-w{i}").ToList();
        var wizardTokens = new ConcurrentDictionary<string, string>();
        await Task.WhenAll(ruleA.Select(async id => wizardTokens[id] = await host.InviteAsync(id, contact: Contact(id)))
            .Concat(partner.Select(async id => wizardTokens[id] = await host.InviteAsync(id, "PartnerForCustomer", Contact(id))))
            .Concat(approvals.Select(async id =>
            {
                var token = wizardTokens[id] = await host.InviteAsync(id, contact: Contact(id));
                await host.ToApprovalAsync(id, token, "Contoso", $"new.{id}@contoso.com", "org-contoso");
            })));
        var approvalTokens = new Dictionary<string, string>();
        foreach (var id in approvals)
        {
            approvalTokens[id] = await host.ApprovalTokenAsync(id, "megan@contoso.com");
        }

        var setUp = clock.Elapsed;

        // Crash 1: a burst of 20 new orders, killed as soon as the first is acknowledged.
        var burst = Enumerable.Range(0, 20).Select(i => $"crash-{run}-b{i:D2}").ToList();
        var posts = burst.ToDictionary(id => id, id => PostQuietlyAsync(id));
        await Task.WhenAny(posts.Values);
        await Server.KillAsync();
        var crashes = 1;
        var invitationsAtKill = await InvitationsInStorageAsync(burst);
        var answered = new Dictionary<string, HttpStatusCode?>();
        foreach (var (id, post) in posts)
        {
            answered[id] = await post;
        }

        Assert.True(invitationsAtKill < burst.Count, "the kill came after every invitation was out; it must interrupt the burst");
        await Server.RestartAsync();

        // The order system retries every delivery it saw fail; a retry of a registered order answers 200 and makes sure its workflow runs.
        var redelivered = 0;
        foreach (var id in burst.Where(id => answered[id] != HttpStatusCode.Accepted))
        {
            using var again = await Server.PostOrderAsync(ReliabilityHost.Order(id, contact: Contact(id)));
            Assert.True(again.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{id}: {(int)again.StatusCode}");
            redelivered++;
        }

        // Crash 2: approvals being decided and Rule A orders finishing (their first callback try fails and waits to be retried).
        var decisions = await Task.WhenAll(approvals.Select((id, i) => host.DecideAsync(approvalTokens[id], approve: i % 2 == 0, comment: "crash test")));
        Assert.All(decisions, d => Assert.Equal(HttpStatusCode.Accepted, d.StatusCode));
        var submissions = await Task.WhenAll(ruleA.Select(id => host.SubmitAsync(wizardTokens[id], "Contoso", "megan@contoso.com")));
        Assert.All(submissions, s => Assert.True(s.IsSuccessStatusCode));
        await Eventually.WaitAsync(
            () => Task.FromResult(host.Receiver.Calls.Count(c => c.AnsweredStatus == 500 && ruleA.Contains(c.Body.GetProperty("orderId").GetString()!))),
            n => n > 0,
            ReliabilityHost.StepTimeout,
            "a failed first callback try");
        await Server.KillAsync();
        crashes++;
        await Server.RestartAsync();
        for (var i = 0; i < approvals.Count; i++)
        {
            if (i % 2 == 0)
            {
                Expect(approvals[i], ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization, "org-contoso", EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.ApprovalRequest, EmailKind.Outcome);
            }
            else
            {
                Expect(approvals[i], ProvisioningStage.Rejected, ProvisioningOutcome.Rejected, "org-contoso", EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.ApprovalRequest, EmailKind.Outcome);
            }
        }

        foreach (var id in ruleA)
        {
            Expect(id, ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization, "org-contoso", EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.Outcome, EmailKind.AssignmentNotice);
        }

        // Drive the rest to the end: partner-for-customer orders pick Contoso; the burst takes Rule A or a new organization.
        await Task.WhenAll(partner.Select(async id =>
        {
            using var submitted = await host.SubmitAsync(wizardTokens[id], "Contoso", $"partner.{id}@contoso.com");
            Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
            await host.WaitForStageAsync(wizardTokens[id], ProvisioningStage.AwaitingOrganizationChoice, Recovery);
            using var chosen = await host.ChooseAsync(wizardTokens[id], "org-contoso");
            Assert.True(chosen.IsSuccessStatusCode, await chosen.Content.ReadAsStringAsync());
            Expect(id, ProvisioningStage.Completed, ProvisioningOutcome.AssignedPendingAdminAddition, "org-contoso", EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.AddAdminRequest, EmailKind.Outcome);
        }));

        var burstMail = await Eventually.WaitAsync(
            () => Server.MailAsync(),
            m => burst.All(id => m.Any(x => x.OrderId == id && x.Kind == EmailKind.Invitation)),
            Recovery,
            "an invitation for every order of the burst");
        var recovered = clock.Elapsed;
        await Task.WhenAll(burst.Select(async (id, i) =>
        {
            var token = burstMail.First(x => x.OrderId == id && x.Kind == EmailKind.Invitation).WizardToken!;
            if (i % 2 == 0)
            {
                using var submitted = await host.SubmitAsync(token, "Contoso", "megan@contoso.com");
                Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
                Expect(id, ProvisioningStage.Completed, ProvisioningOutcome.AssignedToExistingOrganization, "org-contoso", EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.Outcome, EmailKind.AssignmentNotice);
            }
            else
            {
                using var submitted = await host.SubmitAsync(token, "Burst Works " + id, $"owner@{id}.example.org");
                Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
                await host.WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice, Recovery);
                using var created = await host.CreateNewAsync(token);
                Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
                Expect(id, ProvisioningStage.Completed, ProvisioningOutcome.AssignedToNewOrganization, null, EmailKind.Invitation, EmailKind.AdminEmailVerification, EmailKind.Outcome);
            }
        }));

        // Every order finished as its path says.
        var views = await host.WaitForCompletionAsync(expected.Keys, Recovery);
        foreach (var (id, want) in expected)
        {
            var view = views[id];
            Assert.True(want.Stage == view.Stage, $"{id}: stage {view.Stage}, expected {want.Stage}");
            Assert.Equal(want.Outcome, view.Outcome);
            if (want.Outcome == ProvisioningOutcome.Rejected)
            {
                // Nothing was assigned: no organizationId, only the organization that was chosen.
                Assert.Null(view.OrganizationId);
                Assert.Equal(want.OrganizationId, view.ChosenOrganizationId);
            }
            else if (want.OrganizationId is not null)
            {
                Assert.Equal(want.OrganizationId, view.OrganizationId);
            }
            else
            {
                Assert.StartsWith("org-", view.OrganizationId, StringComparison.Ordinal);
            }

            Assert.Single(view.Audit, a => a.Action == "OrderReceived");
            Assert.Single(view.Audit, a => a.Action == "WizardSubmitted");
        }

        // Every email exactly once: one invitation per order, no (kind, recipient) twice, the outcome to the contact.
        var callbacks = await Eventually.WaitAsync(
            () => Task.FromResult(host.Receiver.Calls.ToList()),
            calls => expected.Keys.All(id => calls.Any(c => c.AnsweredStatus == 200 && c.Body.GetProperty("orderId").GetString() == id)),
            Recovery,
            "a delivered callback for every order");
        var mail = (await Server.MailAsync()).Where(m => expected.ContainsKey(m.OrderId)).ToList();
        foreach (var (id, want) in expected)
        {
            var own = mail.Where(m => m.OrderId == id).ToList();
            Assert.Single(own, m => m.Kind == EmailKind.Invitation);
            Assert.Single(own, m => m.Kind == EmailKind.Outcome && m.To == want.Contact);
            Assert.Equal(want.Kinds.Order(), own.Select(m => m.Kind).Distinct().Order());
        }

        Assert.Empty(ReliabilityHost.DoubledEmails(mail));

        // Every order reported once: one delivery id per order on every try, distinct across orders, and exactly one delivery
        // accepted once repeats are dropped by that id. Repeats themselves can happen: a SIGKILL while the callback activity runs
        // makes the provider hand its work item out again after the visibility timeout (at-least-once, as the README says).
        var perOrder = callbacks.Where(c => expected.ContainsKey(c.Body.GetProperty("orderId").GetString()!))
            .GroupBy(c => c.Body.GetProperty("orderId").GetString()!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(perOrder.Values.SelectMany(c => c), c => Assert.True(c.SignatureValid));
        Assert.All(perOrder, p => Assert.Single(p.Value.Select(c => c.Body.GetProperty("deliveryId").GetString()).Distinct()));
        Assert.Equal(perOrder.Count, perOrder.Values.Select(c => c[0].Body.GetProperty("deliveryId").GetString()).Distinct().Count());
        Assert.All(perOrder, p => Assert.Single(p.Value.Where(c => c.AnsweredStatus == 200).Select(c => c.Body.GetProperty("deliveryId").GetString()).Distinct()));
        Assert.All(perOrder, p => Assert.All(p.Value, c => Assert.Equal(expected[p.Key].Stage.ToString(), c.Body.GetProperty("stage").GetString())));
        Assert.All(perOrder, p => Assert.All(p.Value, c => Assert.Equal(expected[p.Key].Outcome.ToString(), c.Body.GetProperty("outcome").GetString())));
        var repeated = perOrder.Where(p => p.Value.Count(c => c.AnsweredStatus == 200) > 1).Select(p => $"{p.Key} ({string.Join(",", p.Value.Select(c => c.AnsweredStatus))})").ToList();

        Assert.Empty(await host.CheckIndexesAsync());
        ReliabilityHost.Report(
            $"crash: crashes survived {crashes}, orders checked {expected.Count}, emails checked {mail.Count}, callbacks {perOrder.Count} (tries {perOrder.Values.Sum(c => c.Count)}), " +
            $"burst invitations out at the kill {invitationsAtKill}/{burst.Count}, unanswered deliveries retried {redelivered}, lost 0, doubled emails 0, " +
            $"callbacks accepted twice under the same delivery id {repeated.Count} [{string.Join("; ", repeated)}]; " +
            $"set-up {setUp.TotalSeconds:F0} s, all invitations of the burst after {recovered.TotalSeconds:F0} s, total {clock.Elapsed.TotalSeconds:F0} s");
    }

    static string Contact(string orderId) => $"buyer.{orderId}@example.org";

    // A post the kill may cut: its status, or null when the connection died.
    async Task<HttpStatusCode?> PostQuietlyAsync(string orderId)
    {
        try
        {
            using var response = await Server.PostOrderAsync(ReliabilityHost.Order(orderId, contact: Contact(orderId)));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    // Read straight from Azurite, which outlives the killed host.
    async Task<int> InvitationsInStorageAsync(IReadOnlyCollection<string> orderIds)
    {
        var count = 0;
        var filter = TableClient.CreateQueryFilter($"Kind eq {"Invitation"}");
        await foreach (var row in host.Tables.GetTableClient(LocalMailbox.TableName(ReliabilityHost.Names)).QueryAsync<TableEntity>(filter, select: ["OrderId"]))
        {
            count += orderIds.Contains(row.GetString("OrderId")) ? 1 : 0;
        }

        return count;
    }
}
