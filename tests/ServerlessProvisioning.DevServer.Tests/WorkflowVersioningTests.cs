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

    [Fact]
    public async Task Orders_parked_at_every_wait_by_this_version_finish_on_the_next_one_and_new_orders_take_its_steps()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var tables = azurite.NewTableNames();
        var settings = new Dictionary<string, string> { ["TASKHUB_NAME"] = "versions" + run };

        // This build's code: orders at each wait, and one more (the control) at the wizard.
        Parked wizard, code, choice, approval, control;
        string approvalToken;
        await using (var current = await InProcessHost.StartAsync(azurite, settings, LocalHostFixture.SamplePath, tables))
        {
            Assert.Equal(ProvisioningWorkflow.Version, current.Services.GetRequiredService<WorkflowRelease>().Version);
            wizard = await InviteAsync(current, $"v1-wizard-{run}");
            control = await InviteAsync(current, $"v1-control-{run}");

            code = await InviteAsync(current, $"v1-code-{run}");
            using (var submitted = await current.PostJsonAsync($"/api/wizard/{code.Token}/submission", new { companyName = "Acme Ltd", adminEmail = $"{code.OrderId}@acme.com" }))
            {
                Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
            }

            await StageAsync(current, code, ProvisioningStage.AwaitingAdminEmailVerification);
            await current.WaitForMailAsync(code.OrderId, m => m.Any(x => x.Kind == EmailKind.AdminEmailVerification), "the code");

            choice = await InviteAsync(current, $"v1-choice-{run}");
            (await current.SubmitAsync(choice.Token, new { companyName = "Acme Ltd", adminEmail = $"{choice.OrderId}@acme.com" })).Dispose();
            await StageAsync(current, choice, ProvisioningStage.AwaitingOrganizationChoice);

            approval = await InviteAsync(current, $"v1-approval-{run}");
            (await current.SubmitAsync(approval.Token, new { companyName = "Acme Ltd", adminEmail = $"{approval.OrderId}@acme.com" })).Dispose();
            (await current.PostJsonAsync($"/api/wizard/{approval.Token}/choice", new { organizationId = "org-acme" })).Dispose();
            await StageAsync(current, approval, ProvisioningStage.AwaitingAdminApproval);
            approvalToken = (await current.WaitForMailAsync(approval.OrderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest), "the approval request"))
                .Single(m => m.Kind == EmailKind.ApprovalRequest).ApprovalToken!;

            await current.DisposeAsync();
            await current.EngineStopped.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        }

        // The next version's code, on the same task hub and tables.
        string newOrder;
        await using (var next = await InProcessHost.StartAsync(azurite, settings, tables: tables, services: s => s.AddSingleton(Next)))
        {
            (await next.SubmitAsync(wizard.Token, new { companyName = "Anything", adminEmail = "megan@contoso.com" })).Dispose();
            await FinishedAsync(next, wizard, ProvisioningOutcome.AssignedToExistingOrganization);

            var sentCode = (await next.MailAsync(code.OrderId)).Last(m => m.Kind == EmailKind.AdminEmailVerification).VerificationCode;
            using (var verified = await next.PostJsonAsync($"/api/wizard/{code.Token}/verification", new { code = sentCode }))
            {
                Assert.True(verified.IsSuccessStatusCode, await verified.Content.ReadAsStringAsync());
            }

            await StageAsync(next, code, ProvisioningStage.AwaitingOrganizationChoice);
            (await next.PostJsonAsync($"/api/wizard/{code.Token}/choice", new { createNew = true })).Dispose();
            await FinishedAsync(next, code, ProvisioningOutcome.AssignedToNewOrganization);

            (await next.PostJsonAsync($"/api/wizard/{choice.Token}/choice", new { createNew = true })).Dispose();
            await FinishedAsync(next, choice, ProvisioningOutcome.AssignedToNewOrganization);

            using (var decided = await next.PostJsonAsync($"/api/approvals/{approvalToken}", new { decision = "approve" }))
            {
                Assert.Equal(HttpStatusCode.Accepted, decided.StatusCode);
            }

            await FinishedAsync(next, approval, ProvisioningOutcome.AssignedToExistingOrganization);

            var fresh = await InviteAsync(next, $"v2-new-{run}");
            newOrder = fresh.InstanceId;
            (await next.SubmitAsync(fresh.Token, new { companyName = "Anything", adminEmail = "megan@contoso.com" })).Dispose();
            await FinishedAsync(next, fresh, ProvisioningOutcome.AssignedToExistingOrganization);

            // Each order kept the version it started on; only the new one took the new step.
            Assert.All(new[] { wizard, code, choice, approval }, o => Assert.Equal(ProvisioningWorkflow.Version, VersionOf(next, o.InstanceId)));
            Assert.Equal(NextVersion, VersionOf(next, newOrder));
            Assert.False(await HasTimerFirstAsync(next, wizard.InstanceId));
            Assert.True(await HasTimerFirstAsync(next, newOrder));

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

    // Whether the workflow's first step was the next version's timer, from the provider's History table.
    async Task<bool> HasTimerFirstAsync(InProcessHost host, string instanceId)
    {
        var history = azurite.Tables.GetTableClient(host.TaskHub + "History");
        var events = new List<TableEntity>();
        await foreach (var e in history.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}")))
        {
            events.Add(e);
        }

        var first = events.Where(e => e.GetString("EventType") is "TimerCreated" or "TaskScheduled").MinBy(e => e.GetInt32("EventId"));
        return first?.GetString("EventType") == "TimerCreated";
    }
}
