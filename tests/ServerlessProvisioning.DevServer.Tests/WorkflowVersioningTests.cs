using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// Deploying new workflow code while orders are open (docs/workflow-versions.md), on the Durable Task engine with
/// the Azure Storage provider on Azurite: orders parked at every wait by this build's workflow are stopped with
/// their host, and a host running the next version's code resumes each to completion while new orders take the
/// new steps. The same change made without a version breaks a parked order: the test can see what it guards against.
/// </summary>
public class WorkflowVersioningTests(AzuriteFixture azurite)
{
    const string NextVersion = "2.0";

    // The next version adds a step before anything else (a durable timer), the kind of change that does not replay
    // over a history recorded without it. Kept behind the order's version, as docs/workflow-versions.md says.
    static readonly WorkflowRelease Next = new(NextVersion, (context, input) =>
        context.CompareVersionTo(NextVersion) >= 0 ? WithOpeningPauseAsync(context, input) : ProvisioningWorkflow.RunAsync(context, input));

    // The same change, made without looking at the order's version.
    static readonly WorkflowRelease NextUnversioned = new(NextVersion, WithOpeningPauseAsync);

    static async Task<ProvisioningResult> WithOpeningPauseAsync(TaskOrchestrationContext context, ProvisioningInput input)
    {
        await context.CreateTimer(context.CurrentUtcDateTime.AddMilliseconds(10), CancellationToken.None);
        return await ProvisioningWorkflow.RunAsync(context, input);
    }

    sealed record Parked(string OrderId, string InstanceId, string Token);

    // Orders parked at each wait (the wizard, the code, the choice, the approval) and the approval's link.
    sealed record ParkedOrders(Parked Wizard, Parked Code, Parked Choice, Parked Approval, string ApprovalToken)
    {
        public IEnumerable<Parked> All => [Wizard, Code, Choice, Approval];
    }

    // What shipped as 1.2: this build's code, run as an order started on 1.2 (every progress record an activity of its own).
    static readonly WorkflowRelease Shipped12 = new("1.2", ProvisioningWorkflow.RunAsync);

    [Fact]
    public async Task Orders_parked_at_every_wait_by_this_version_finish_on_the_next_one_and_new_orders_take_its_steps()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var tables = azurite.NewTableNames();
        var settings = new Dictionary<string, string> { ["TASKHUB_NAME"] = "versions" + run };

        // This build's code: orders at each wait, and one more (the control) at the wizard.
        ParkedOrders parked;
        Parked control;
        await using (var current = await InProcessHost.StartAsync(azurite, settings, LocalHostFixture.SamplePath, tables))
        {
            Assert.Equal(ProvisioningWorkflow.Version, current.Services.GetRequiredService<WorkflowRelease>().Version);
            control = await InviteAsync(current, $"v1-control-{run}");
            parked = await ParkAsync(current, run);
            await current.DisposeAsync();
            await current.EngineStopped.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        }

        // The next version's code, on the same task hub and tables.
        await using (var next = await InProcessHost.StartAsync(azurite, settings, tables: tables, services: s => s.AddSingleton(Next)))
        {
            var newOrder = await FinishAllAsync(next, parked, run);

            // Each order kept the version it started on; only the new one took the new step.
            Assert.All(parked.All, o => Assert.Equal(ProvisioningWorkflow.Version, VersionOf(next, o.InstanceId)));
            Assert.Equal(NextVersion, VersionOf(next, newOrder));
            Assert.NotEqual("TimerCreated", (await FirstStepAsync(next, parked.Wizard.InstanceId)).Type);
            Assert.Equal("TimerCreated", (await FirstStepAsync(next, newOrder)).Type);

            await next.DisposeAsync();
            await next.EngineStopped.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        }

        // The same change without the version check: the control order, parked by this build, cannot go on.
        await using var unversioned = await InProcessHost.StartAsync(azurite, settings, tables: tables, services: s => s.AddSingleton(NextUnversioned));
        using (await unversioned.PostJsonAsync($"/api/wizard/{control.Token}/submission", new { companyName = "Anything", adminEmail = "buyer@acme.com" }))
        {
        }

        var broken = await Eventually.WaitAsync(() => ViewAsync(unversioned, control.OrderId), v => v.RuntimeStatus is "Failed" or "Completed", TimeSpan.FromSeconds(90), "the control order to end");
        Assert.Equal("Failed", broken.RuntimeStatus);
    }

    [Fact]
    public async Task Orders_parked_at_every_wait_on_1_2_finish_on_this_build_and_only_new_orders_fold_their_records()
    {
        var (current, parked, newOrder) = await ParkedOnThenFinishedAsync(Shipped12, "fold");
        await using var host = current;

        Assert.All(parked.All, o => Assert.Equal("1.2", VersionOf(current, o.InstanceId)));
        Assert.Equal(ProvisioningWorkflow.Version, VersionOf(current, newOrder));

        // A 1.2 order recorded its first step with an activity of its own; a new one records it with its invitation.
        Assert.Equal(("TaskScheduled", nameof(Provisioning.Activities.RecordProgress)), await FirstStepAsync(current, parked.Wizard.InstanceId));
        Assert.Equal(("TaskScheduled", nameof(Provisioning.Activities.SendInvitation)), await FirstStepAsync(current, newOrder));

        // Both took the same path (Rule A): the new order's invitation, assignment, outcome email and callback each carried a record.
        var records = (Shipped: await CountScheduledAsync(current, parked.Wizard.InstanceId, nameof(Provisioning.Activities.RecordProgress)), New: await CountScheduledAsync(current, newOrder, nameof(Provisioning.Activities.RecordProgress)));
        Assert.Equal(4, records.Shipped - records.New);
    }

    // What shipped as 1.3: records rode on the steps' own activities, and the ending took three (assign, tell, report).
    static readonly WorkflowRelease Shipped13 = new("1.3", ProvisioningWorkflow.RunAsync);

    [Fact]
    public async Task Orders_parked_at_every_wait_on_1_3_finish_on_this_build_and_only_new_orders_end_in_one_activity()
    {
        var (current, parked, newOrder) = await ParkedOnThenFinishedAsync(Shipped13, "conclude");
        await using var host = current;

        Assert.All(parked.All, o => Assert.Equal("1.3", VersionOf(current, o.InstanceId)));
        Assert.Equal(ProvisioningWorkflow.Version, VersionOf(current, newOrder));

        // Both took the same path (Rule A): the 1.3 order told the contact and the order system in an activity each, the
        // new one in its ending's one activity.
        async Task<(int Outcome, int Callback, int Conclude)> EndingOf(string instanceId) => (
            await CountScheduledAsync(current, instanceId, nameof(Provisioning.Activities.SendOutcome)),
            await CountScheduledAsync(current, instanceId, nameof(Provisioning.Activities.DeliverCallback)),
            await CountScheduledAsync(current, instanceId, nameof(Provisioning.Activities.Conclude)));
        Assert.Equal((1, 1, 0), await EndingOf(parked.Wizard.InstanceId));
        Assert.Equal((0, 0, 1), await EndingOf(newOrder));
    }

    // What shipped as 1.4: an approver's decision took three activities (a check of the directory, the addition, the ending).
    static readonly WorkflowRelease Shipped14 = new("1.4", ProvisioningWorkflow.RunAsync);

    [Fact]
    public async Task Orders_parked_at_every_wait_on_1_4_finish_on_this_build_and_an_approval_parked_there_keeps_its_three_steps()
    {
        var (current, parked, newOrder) = await ParkedOnThenFinishedAsync(Shipped14, "decide");
        await using var host = current;

        Assert.All(parked.All, o => Assert.Equal("1.4", VersionOf(current, o.InstanceId)));
        Assert.Equal(ProvisioningWorkflow.Version, VersionOf(current, newOrder));

        // The approval decided after the deployment ran 1.4's steps: the check, the addition, then the ending.
        async Task<(int Inspect, int Addition, int Conclude)> DecisionOf(string instanceId) => (
            await CountScheduledAsync(current, instanceId, nameof(Provisioning.Activities.Inspect)),
            await CountScheduledAsync(current, instanceId, nameof(Provisioning.Activities.AddAdministrator)),
            await CountScheduledAsync(current, instanceId, nameof(Provisioning.Activities.Conclude)));
        Assert.Equal((2, 1, 1), await DecisionOf(parked.Approval.InstanceId));
    }

    // Parks an order at each wait on what shipped, then starts this build on the same task hub and tables, as a
    // deployment would, and finishes them there with one new order (Rule A). The caller disposes the host.
    async Task<(InProcessHost Current, ParkedOrders Parked, string NewOrder)> ParkedOnThenFinishedAsync(WorkflowRelease shipped, string hub)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var tables = azurite.NewTableNames();
        var settings = new Dictionary<string, string> { ["TASKHUB_NAME"] = hub + run };

        ParkedOrders parked;
        await using (var old = await InProcessHost.StartAsync(azurite, settings, LocalHostFixture.SamplePath, tables, services: s => s.AddSingleton(shipped)))
        {
            parked = await ParkAsync(old, run);
            await old.DisposeAsync();
            await old.EngineStopped.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        }

        var current = await InProcessHost.StartAsync(azurite, settings, tables: tables);
        try
        {
            return (current, parked, await FinishAllAsync(current, parked, run));
        }
        catch
        {
            await current.DisposeAsync();
            throw;
        }
    }

    // Parks one order at each wait.
    static async Task<ParkedOrders> ParkAsync(InProcessHost host, string run)
    {
        var wizard = await InviteAsync(host, $"v1-wizard-{run}");

        var code = await InviteAsync(host, $"v1-code-{run}");
        using (var submitted = await host.PostJsonAsync($"/api/wizard/{code.Token}/submission", new { companyName = "Acme Ltd", adminEmail = $"{code.OrderId}@acme.com" }))
        {
            Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        }

        await StageAsync(host, code, ProvisioningStage.AwaitingAdminEmailVerification);
        await host.WaitForMailAsync(code.OrderId, m => m.Any(x => x.Kind == EmailKind.AdminEmailVerification), "the code");

        var choice = await InviteAsync(host, $"v1-choice-{run}");
        (await host.SubmitAsync(choice.Token, new { companyName = "Acme Ltd", adminEmail = $"{choice.OrderId}@acme.com" })).Dispose();
        await StageAsync(host, choice, ProvisioningStage.AwaitingOrganizationChoice);

        var approval = await InviteAsync(host, $"v1-approval-{run}");
        (await host.SubmitAsync(approval.Token, new { companyName = "Acme Ltd", adminEmail = $"{approval.OrderId}@acme.com" })).Dispose();
        (await host.PostJsonAsync($"/api/wizard/{approval.Token}/choice", new { organizationId = "org-acme" })).Dispose();
        await StageAsync(host, approval, ProvisioningStage.AwaitingAdminApproval);
        var approvalToken = (await host.WaitForMailAsync(approval.OrderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest), "the approval request"))
            .Single(m => m.Kind == EmailKind.ApprovalRequest).ApprovalToken!;
        return new ParkedOrders(wizard, code, choice, approval, approvalToken);
    }

    // Drives each parked order to completion, then runs a new order through; answers the new order's instance id.
    static async Task<string> FinishAllAsync(InProcessHost host, ParkedOrders parked, string run)
    {
        (await host.SubmitAsync(parked.Wizard.Token, new { companyName = "Anything", adminEmail = "megan@contoso.com" })).Dispose();
        await FinishedAsync(host, parked.Wizard, ProvisioningOutcome.AssignedToExistingOrganization);

        var sentCode = (await host.MailAsync(parked.Code.OrderId)).Last(m => m.Kind == EmailKind.AdminEmailVerification).VerificationCode;
        using (var verified = await host.PostJsonAsync($"/api/wizard/{parked.Code.Token}/verification", new { code = sentCode }))
        {
            Assert.True(verified.IsSuccessStatusCode, await verified.Content.ReadAsStringAsync());
        }

        await StageAsync(host, parked.Code, ProvisioningStage.AwaitingOrganizationChoice);
        (await host.PostJsonAsync($"/api/wizard/{parked.Code.Token}/choice", new { createNew = true })).Dispose();
        await FinishedAsync(host, parked.Code, ProvisioningOutcome.AssignedToNewOrganization);

        (await host.PostJsonAsync($"/api/wizard/{parked.Choice.Token}/choice", new { createNew = true })).Dispose();
        await FinishedAsync(host, parked.Choice, ProvisioningOutcome.AssignedToNewOrganization);

        using (var decided = await host.PostJsonAsync($"/api/approvals/{parked.ApprovalToken}", new { decision = "approve" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, decided.StatusCode);
        }

        await FinishedAsync(host, parked.Approval, ProvisioningOutcome.AssignedToExistingOrganization);

        var fresh = await InviteAsync(host, $"v2-new-{run}");
        (await host.SubmitAsync(fresh.Token, new { companyName = "Anything", adminEmail = "megan@contoso.com" })).Dispose();
        await FinishedAsync(host, fresh, ProvisioningOutcome.AssignedToExistingOrganization);
        return fresh.InstanceId;
    }

    static async Task<Parked> InviteAsync(LocalHost host, string orderId)
    {
        using var accepted = await host.PostOrderAsync(LocalHostFixture.Order(orderId));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var instanceId = (await accepted.Content.ReadFromJsonAsync<OrderAccepted>(Json.Options))!.InstanceId;
        var mail = await host.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Invitation), "the invitation");
        return new Parked(orderId, instanceId, mail.First(m => m.Kind == EmailKind.Invitation).WizardToken!);
    }

    static Task<WizardState> StageAsync(LocalHost host, Parked order, ProvisioningStage stage) =>
        Eventually.WaitAsync(
            async () => (await host.Http.GetFromJsonAsync<WizardState>($"/api/wizard/{order.Token}", Json.Options))!,
            s => s.Stage == stage,
            TimeSpan.FromSeconds(90),
            $"{order.OrderId} at {stage}");

    static async Task<OrderView> ViewAsync(LocalHost host, string orderId)
    {
        using var response = await host.OperatorGetAsync($"/api/orders/{orderId}");
        return (await response.Content.ReadFromJsonAsync<OrderView>(Json.Options))!;
    }

    static async Task FinishedAsync(LocalHost host, Parked order, ProvisioningOutcome outcome)
    {
        var view = await Eventually.WaitAsync(() => ViewAsync(host, order.OrderId), v => v.RuntimeStatus is "Completed" or "Failed", TimeSpan.FromSeconds(90), $"{order.OrderId} to finish");
        Assert.Equal("Completed", view.RuntimeStatus);
        Assert.Equal(ProvisioningStage.Completed, view.Stage);
        Assert.Equal(outcome, view.Outcome);
    }

    // What the engine stored: the version on the instance row of the provider's Instances table.
    string? VersionOf(InProcessHost host, string instanceId) =>
        azurite.Tables.GetTableClient(host.TaskHub + "Instances")
            .Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}")).Single().GetString("Version");

    // The workflow's first step (a timer, or an activity by name), from the provider's History table.
    async Task<(string Type, string? Name)> FirstStepAsync(InProcessHost host, string instanceId)
    {
        var first = (await HistoryAsync(host, instanceId)).Where(e => e.GetString("EventType") is "TimerCreated" or "TaskScheduled").MinBy(e => e.GetInt32("EventId"))!;
        return (first.GetString("EventType"), first.GetString("Name"));
    }

    // How many times an activity was scheduled.
    async Task<int> CountScheduledAsync(InProcessHost host, string instanceId, string activity) =>
        (await HistoryAsync(host, instanceId)).Count(e => e.GetString("EventType") == "TaskScheduled" && e.GetString("Name") == activity);

    async Task<List<TableEntity>> HistoryAsync(InProcessHost host, string instanceId)
    {
        var history = azurite.Tables.GetTableClient(host.TaskHub + "History");
        var events = new List<TableEntity>();
        await foreach (var e in history.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}")))
        {
            events.Add(e);
        }

        return events;
    }
}
