using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.OrderSystem;

namespace ServerlessProvisioning.Reliability.Tests;

/// <summary>The seeded local host the duplicate and race tests share.</summary>
public sealed class RaceHost : ReliabilityHost;

/// <summary>
/// Duplicates and races: the same webhook many times at once, several people answering one step at once, many
/// writers on one organization. Exactly one command wins each step; nothing is started, sent or counted twice.
/// </summary>
public class DuplicateAndRaceTests(RaceHost host) : IClassFixture<RaceHost>
{
    const int Copies = 20;

    DevServerProcess Server => host.Server;

    [Fact]
    public async Task The_same_order_delivered_20_times_at_once_is_accepted_once_and_answered_alike()
    {
        var orderId = ReliabilityHost.NewId("twenty");

        var responses = await Task.WhenAll(Enumerable.Range(0, Copies).Select(_ => Server.PostOrderAsync(ReliabilityHost.Order(orderId))));

        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(Copies - 1, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Single((await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()))).Distinct());
        var orderRows = await host.RowsAsync(ReliabilityHost.Names.Orders);
        Assert.Single(orderRows, r => r.GetString("OrderId") == orderId);
        ReliabilityHost.Report($"duplicates: one order delivered {Copies} times at once -> 1×202, {Copies - 1}×200, one order row");
    }

    [Fact]
    public async Task Orders_delivered_20_times_at_once_over_separate_connections_each_run_one_workflow_to_its_end()
    {
        var orderIds = Enumerable.Range(0, 5).Select(_ => ReliabilityHost.NewId("twenty-wf")).ToList();
        foreach (var orderId in orderIds)
        {
            // One connection per delivery, opened beforehand, all released at once: as twenty webhook workers would.
            var clients = Enumerable.Range(0, Copies).Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = Server.Http.BaseAddress }).ToList();
            await Task.WhenAll(clients.Select(c => c.GetAsync("/dev/mailbox?orderId=-")));
            var body = JsonSerializer.SerializeToUtf8Bytes(ReliabilityHost.Order(orderId), Json.Options);
            var signature = WebhookSignature.Sign(body, DevServerProcess.Secret, DateTimeOffset.UtcNow);
            using var start = new SemaphoreSlim(0);
            var posts = clients.Select(async c =>
            {
                await start.WaitAsync();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new("application/json");
                request.Headers.Add(WebhookSignature.Header, signature);
                using var response = await c.SendAsync(request);
                return response.StatusCode;
            }).ToList();
            start.Release(Copies);
            var statuses = await Task.WhenAll(posts);
            clients.ForEach(c => c.Dispose());
            Assert.Single(statuses, s => s == HttpStatusCode.Accepted);
        }

        var mail = await Eventually.WaitAsync(() => Server.MailAsync(), m => orderIds.All(id => m.Any(x => x.OrderId == id && x.Kind == EmailKind.Invitation)), ReliabilityHost.StepTimeout, "every invitation");
        foreach (var orderId in orderIds)
        {
            // Waiting for the wizard, the workflow is Running (a duplicate start resets it to Pending).
            Assert.Equal("Running", (await host.OrderAsync(orderId))!.RuntimeStatus);
            using var submitted = await host.SubmitAsync(mail.First(m => m.OrderId == orderId && m.Kind == EmailKind.Invitation).WizardToken!, "Contoso", "megan@contoso.com");
        }

        var views = await host.WaitForCompletionAsync(orderIds, ReliabilityHost.StepTimeout);
        foreach (var orderId in orderIds)
        {
            Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, views[orderId].Outcome);
            Assert.Equal(1, await host.ExecutionsStartedAsync(orderId));
            Assert.Single(views[orderId].Audit, a => a.Action == "OrderReceived");
            var all = await Server.MailAsync(orderId);
            Assert.Single(all, m => m.Kind == EmailKind.Invitation);
            Assert.Empty(ReliabilityHost.DoubledEmails(all));
        }
    }

    [Fact]
    public async Task Ten_concurrent_wizard_submissions_let_exactly_one_win_and_the_workflow_sees_one()
    {
        var orderId = ReliabilityHost.NewId("race-submit");
        var token = await host.InviteAsync(orderId);
        var bodies = Enumerable.Range(0, 10).Select(i => (Company: $"Contoso Racer {i}", Admin: $"racer{i}.{orderId}@contoso.com")).ToList();

        var responses = await Task.WhenAll(bodies.Select(b => host.SubmitAsync(token, b.Company, b.Admin)));

        var winners = responses.Select((r, i) => (r, i)).Where(x => x.r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted).ToList();
        Assert.Single(winners);
        foreach (var loser in responses.Where(r => !winners.Any(w => w.r == r)))
        {
            await ReliabilityHost.AssertProblemAsync(loser, HttpStatusCode.Conflict);
        }

        var state = await host.WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);
        var winner = bodies[winners[0].i];
        Assert.Equal(winner.Company, state.Submission!.CompanyName);
        Assert.Equal(winner.Admin, state.Submission.AdminEmail);
        var view = await host.WaitForOrderAsync(orderId, o => o.Audit.Any(a => a.Action.StartsWith("MatchedBy", StringComparison.Ordinal)), "matching audited");
        Assert.Single(view!.Audit, a => a.Action == "WizardSubmitted");
        Assert.DoesNotContain(view.Audit, a => a.Action == "IgnoredStaleCommand");
        ReliabilityHost.Report("races: 10 concurrent submissions -> 1 won, 9×409, one WizardSubmitted");
    }

    [Fact]
    public async Task Ten_concurrent_choices_let_exactly_one_win_and_the_outcome_follows_it()
    {
        var orderId = ReliabilityHost.NewId("race-choice");
        var token = await host.InviteAsync(orderId);
        using (var submitted = await host.SubmitAsync(token, "Contoso", $"chooser.{orderId}@contoso.com"))
        {
            Assert.True(submitted.IsSuccessStatusCode);
        }

        await host.WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? host.ChooseAsync(token, "org-contoso") : host.CreateNewAsync(token)));

        var winners = responses.Select((r, i) => (r, i)).Where(x => x.r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted).ToList();
        Assert.Single(winners);
        foreach (var loser in responses.Where(r => !winners.Any(w => w.r == r)))
        {
            await ReliabilityHost.AssertProblemAsync(loser, HttpStatusCode.Conflict);
        }

        var choseExisting = winners[0].i % 2 == 0;
        var state = choseExisting
            ? await host.WaitForStageAsync(token, ProvisioningStage.AwaitingAdminApproval)
            : await host.WaitForStageAsync(token, ProvisioningStage.Completed);
        if (choseExisting)
        {
            Assert.Equal("org-contoso", state.Organization!.OrganizationId);
        }
        else
        {
            Assert.Equal(ProvisioningOutcome.AssignedToNewOrganization, state.Outcome);
            Assert.True(state.Organization!.IsNew);
        }

        var view = await host.WaitForOrderAsync(orderId, o => o.Audit.Any(a => a.Action is "ApprovalRequested" or "Assigned"), "the choice audited");
        Assert.Single(view!.Audit, a => a.Action is "ChoseOrganization" or "ChoseNewOrganization");
        Assert.DoesNotContain(view.Audit, a => a.Action == "IgnoredStaleCommand");
        ReliabilityHost.Report($"races: 10 concurrent choices -> 1 won ({(choseExisting ? "org-contoso" : "new organization")}), 9×409");
    }

    [Fact]
    public async Task Two_full_admins_deciding_at_once_count_once_and_the_outcome_is_the_winners()
    {
        // Telefónica S.A. has two full admins; each gets an approval link of their own. One approves while the other rejects.
        var rounds = await Task.WhenAll(Enumerable.Range(0, 3).Select(async round =>
        {
            var orderId = ReliabilityHost.NewId("race-approvers");
            var token = await host.InviteAsync(orderId);
            await host.ToApprovalAsync(orderId, token, "Telefonica", $"new.{orderId}@telefonica.es", "org-telefonica");
            var collab = await host.ApprovalTokenAsync(orderId, "admin.collab@telefonica.es");
            var marta = await host.ApprovalTokenAsync(orderId, "marta@telefonica.es");
            var (approver, approverToken, rejecter, rejecterToken) = round % 2 == 0
                ? ("admin.collab@telefonica.es", collab, "marta@telefonica.es", marta)
                : ("marta@telefonica.es", marta, "admin.collab@telefonica.es", collab);

            var decided = await Task.WhenAll(host.DecideAsync(approverToken, approve: true), host.DecideAsync(rejecterToken, approve: false));
            return (orderId, token, approver, rejecter, decided);
        }));

        foreach (var (orderId, token, approver, rejecter, decided) in rounds)
        {
            Assert.Single(decided, d => d.StatusCode == HttpStatusCode.Accepted);
            await ReliabilityHost.AssertProblemAsync(decided.Single(d => d.StatusCode != HttpStatusCode.Accepted), HttpStatusCode.Conflict);
            var approved = decided[0].StatusCode == HttpStatusCode.Accepted;
            var view = await host.WaitForOrderAsync(orderId, o => o.RuntimeStatus == "Completed", "the decided order to finish");
            Assert.Equal(approved ? ProvisioningOutcome.AssignedToExistingOrganization : ProvisioningOutcome.Rejected, view!.Outcome);
            Assert.Equal(approved ? ProvisioningStage.Completed : ProvisioningStage.Rejected, view.Stage);
            var decision = Assert.Single(view.Audit, a => a.Action is "Approved" or "Rejected");
            Assert.Equal(approved ? "Approved" : "Rejected", decision.Action);
            Assert.Equal(approved ? approver : rejecter, decision.Actor);
            var final = await host.WizardAsync(token);
            Assert.Equal(approved ? ApprovalEnd.Approved : ApprovalEnd.Rejected, final.Approval!.Decision);
        }

        ReliabilityHost.Report($"races: two approvers at once, {rounds.Length} orders -> one decision each ({rounds.Count(r => r.decided[0].StatusCode == HttpStatusCode.Accepted)} approved, {rounds.Count(r => r.decided[1].StatusCode == HttpStatusCode.Accepted)} rejected)");
    }

    [Fact]
    public async Task Concurrent_assignments_and_an_admin_addition_to_one_organization_keep_every_index_consistent()
    {
        const int Assignments = 8;
        var approvalOrder = ReliabilityHost.NewId("org-race-admin");
        var newAdmin = $"added.{approvalOrder}@contoso.com";
        var approvalWizard = await host.InviteAsync(approvalOrder);
        await host.ToApprovalAsync(approvalOrder, approvalWizard, "Contoso", newAdmin, "org-contoso");
        var approvalToken = await host.ApprovalTokenAsync(approvalOrder, "megan@contoso.com");
        var ruleA = Enumerable.Range(0, Assignments).Select(_ => ReliabilityHost.NewId("org-race")).ToList();
        var tokens = await Task.WhenAll(ruleA.Select(id => host.InviteAsync(id)));

        // Rule A assignments to org-contoso and the approved admin addition, all at once.
        var commands = tokens.Select(t => host.SubmitAsync(t, "Contoso", "megan@contoso.com")).Append(host.DecideAsync(approvalToken, approve: true));
        Assert.All(await Task.WhenAll(commands), r => Assert.True(r.IsSuccessStatusCode));
        var views = await host.WaitForCompletionAsync(ruleA.Append(approvalOrder), ReliabilityHost.StepTimeout * 2);

        Assert.All(views.Values, v => Assert.Equal(ProvisioningOutcome.AssignedToExistingOrganization, v.Outcome));
        Assert.Empty(await host.CheckIndexesAsync());
        var store = new OrganizationStore(host.Tables, ReliabilityHost.Names);
        var contoso = (await store.GetAsync("org-contoso", CancellationToken.None))!;
        var summary = (await store.GetSummaryAsync("org-contoso", CancellationToken.None))!;
        var active = contoso.Subscriptions.Where(s => s.Status == SubscriptionStatus.Active).Select(s => s.Id).ToHashSet();
        Assert.Subset(active, ruleA.Append(approvalOrder).Select(id => "sub-" + id).ToHashSet());
        Assert.Equal(active.Count, summary.ActiveSubscriptions);
        Assert.Equal(contoso.Users.Count, summary.Users);
        Assert.Contains(summary.FullAdmins, a => a.Email == newAdmin);
        var memberships = await store.Indexes.GetMembershipsAsync(newAdmin, CancellationToken.None);
        Assert.Equal([new Membership("org-contoso", true)], memberships);
        ReliabilityHost.Report($"races: {Assignments} assignments + 1 admin addition on org-contoso at once -> summary {summary.ActiveSubscriptions} active = rows, {summary.Users} users = rows, consistency checker: no problem");
    }

    [Fact]
    public async Task A_crash_between_claiming_a_step_and_raising_its_event_does_not_wedge_the_order()
    {
        var orderId = ReliabilityHost.NewId("claimed");
        var token = await host.InviteAsync(orderId);
        // Exactly what a SIGKILL after OrderStore.ClaimStepAsync and before RaiseEventAsync leaves behind (the invitation is step 1).
        var state = await host.WizardAsync(token);
        Assert.Equal(ProvisioningStage.InvitationSent, state.Stage);
        await host.Tables.GetTableClient(ReliabilityHost.Names.Orders).UpsertEntityAsync(new TableEntity(TableKey.Encode(orderId), "gate|0000000001") { ["ClaimedStep"] = 1 });

        using var retried = await host.SubmitAsync(token, "Contoso", "megan@contoso.com");
        using var cancelled = await host.OperatorPostAsync($"/api/orders/{orderId}/cancel", new { reason = "stuck" });

        Assert.True(retried.IsSuccessStatusCode || cancelled.IsSuccessStatusCode, $"retry {(int)retried.StatusCode}, cancel {(int)cancelled.StatusCode}: nobody can move the order");
        await host.WaitForOrderAsync(orderId, o => o.RuntimeStatus == "Completed", "the order to finish");
    }

    [Fact]
    public async Task A_crash_between_registering_an_order_and_starting_its_workflow_does_not_lose_it()
    {
        var orderId = ReliabilityHost.NewId("registered");
        var order = ReliabilityHost.Order(orderId);
        // Exactly what a SIGKILL after OrderStore.RegisterAsync and before ScheduleNewOrchestrationInstanceAsync
        // leaves behind: the order row, claimed by the dead delivery, and no workflow.
        Assert.True(OrderParser.TryParse(JsonSerializer.SerializeToUtf8Bytes(order), out var request, out _));
        var crashedAt = DateTimeOffset.UtcNow - OrderStore.StartLease + TimeSpan.FromSeconds(3);
        await new OrderStore(host.Tables, ReliabilityHost.Names).RegisterAsync(request!.OrderId, request.Fingerprint(), InstanceIds.ForOrder(orderId), crashedAt, request.SubscriptionId, request.ProvisioningContactEmail, TestContext.Current.CancellationToken);

        // The order system redelivers: it waits for the dead delivery's claim to lapse, then starts the workflow.
        using var redelivered = await host.Server.PostOrderAsync(order);

        Assert.Equal(HttpStatusCode.OK, redelivered.StatusCode);
        var mail = await host.Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Invitation), "the invitation", ReliabilityHost.StepTimeout);
        Assert.Single(mail, m => m.Kind == EmailKind.Invitation);
        Assert.Equal(1, await host.ExecutionsStartedAsync(orderId));
    }
}
