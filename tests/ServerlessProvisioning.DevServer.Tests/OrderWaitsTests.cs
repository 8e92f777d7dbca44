using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// An operator manages what an order waits for: reminds a pending approval's approvers and moves deadlines, over
/// HTTP on the local host with the real workflow and Azurite.
/// </summary>
public class OrderWaitsTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    async Task<HttpResponseMessage> OperatorPostAsync(string path, object? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json.Options);
        }

        request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
        return await Server.Http.SendAsync(request);
    }

    async Task<JsonElement> OrderAsync(string orderId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{orderId}");
        request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
        using var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    // An order of the sample directory waiting for ana@acme.com to approve new.admin@acme.com.
    async Task<(string OrderId, string Token)> AwaitingApprovalAsync()
    {
        var orderId = NewId("wait");
        var token = await host.InviteAsync(orderId);
        using (var submitted = await Server.SubmitAsync(token, new { companyName = "Acme", adminEmail = "buyer@acme.com" }))
        {
            Assert.True(submitted.IsSuccessStatusCode);
        }

        using (var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-acme" }))
        {
            Assert.True(chosen.IsSuccessStatusCode);
        }

        await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest), "the approval request");
        return (orderId, token);
    }

    [Fact]
    public async Task A_reminder_reaches_every_current_approver_with_a_link_that_still_works_and_is_audited()
    {
        // Arrange
        var (orderId, _) = await AwaitingApprovalAsync();
        var before = await OrderAsync(orderId);
        Assert.True(before.GetProperty("actions").GetProperty("remindApprovers").GetBoolean());

        // Act
        using var reminded = await OperatorPostAsync($"/api/orders/{orderId}/approval/reminder", null);

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, reminded.StatusCode);
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.ApprovalReminder), "the reminder");
        var approvers = before.GetProperty("approval").GetProperty("approvers").EnumerateArray().Select(a => a.GetString()!).Order().ToList();
        Assert.Equal(approvers, mail.Where(m => m.Kind == EmailKind.ApprovalReminder).Select(m => m.To).Order().ToList());
        foreach (var reminder in mail.Where(m => m.Kind == EmailKind.ApprovalReminder))
        {
            using var opened = await Server.Http.GetAsync($"/api/approvals/{reminder.ApprovalToken}");
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        var after = await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.GetProperty("audit").EnumerateArray().Any(a => a.GetProperty("action").GetString() == "ApprovalReminderRequested"), TimeSpan.FromSeconds(30), "the audit");
        Assert.Equal("AwaitingAdminApproval", after.GetProperty("stage").GetString());
    }

    [Fact]
    public async Task A_reminder_is_409_unless_an_approval_is_pending_and_404_for_an_unknown_order()
    {
        var orderId = NewId("noapproval");
        await host.InviteAsync(orderId);

        using var early = await OperatorPostAsync($"/api/orders/{orderId}/approval/reminder", null);
        using var unknown = await OperatorPostAsync($"/api/orders/{NewId("nobody")}/approval/reminder", null);

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Moving_the_approval_deadline_extends_what_the_order_and_the_approvers_links_wait_for()
    {
        // Arrange
        var (orderId, token) = await AwaitingApprovalAsync();
        var later = DateTimeOffset.UtcNow.AddDays(40);
        var expected = new DateTimeOffset(later.Year, later.Month, later.Day, later.Hour, later.Minute, later.Second, TimeSpan.Zero);

        // Act
        using var moved = await OperatorPostAsync($"/api/orders/{orderId}/deadline", new { expiresAt = expected.ToString("O") });

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, moved.StatusCode);
        var order = await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.TryGetProperty("expiresAt", out var e) && e.GetDateTimeOffset() == expected, TimeSpan.FromSeconds(30), "the new deadline");
        Assert.Equal(expected, order.GetProperty("approval").GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Contains(order.GetProperty("audit").EnumerateArray(), a => a.GetProperty("action").GetString() == "DeadlineMoved" && a.GetProperty("actor").GetString() != "system");
        var state = await host.WizardAsync(token);
        Assert.Equal(ProvisioningStage.AwaitingAdminApproval, state.Stage);
    }

    [Fact]
    public async Task Moving_the_invitation_deadline_works_while_the_contact_has_not_answered()
    {
        var orderId = NewId("inv");
        var token = await host.InviteAsync(orderId);
        var sooner = DateTimeOffset.UtcNow.AddDays(2);
        var expected = new DateTimeOffset(sooner.Year, sooner.Month, sooner.Day, sooner.Hour, sooner.Minute, sooner.Second, TimeSpan.Zero);

        using var moved = await OperatorPostAsync($"/api/orders/{orderId}/deadline", new { expiresAt = expected.ToString("O") });

        Assert.Equal(HttpStatusCode.Accepted, moved.StatusCode);
        var state = await Eventually.WaitAsync(() => host.WizardAsync(token), s => s.ExpiresAt == expected, TimeSpan.FromSeconds(30), "the new deadline on the wizard");
        Assert.Equal(ProvisioningStage.InvitationSent, state.Stage);

        // The contact can still answer the new step.
        using var submitted = await Server.SubmitAsync(token, new { companyName = "Acme", adminEmail = "buyer@acme.com" });
        Assert.True(submitted.IsSuccessStatusCode, $"submission after the move: {submitted.StatusCode}");
    }

    [Theory]
    [InlineData("malformed")]
    [InlineData("past")]
    [InlineData("beyond90")]
    [InlineData("missing")]
    [InlineData("number")]
    public async Task A_deadline_in_the_past_beyond_90_days_or_malformed_is_a_400_naming_expiresAt(string kind)
    {
        var orderId = NewId("bad");
        await host.InviteAsync(orderId);
        object body = kind switch
        {
            "malformed" => new { expiresAt = "not a date" },
            "past" => new { expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O") },
            "beyond90" => new { expiresAt = DateTimeOffset.UtcNow.AddDays(91).ToString("O") },
            "missing" => new { },
            _ => new { expiresAt = 12 },
        };

        using var moved = await OperatorPostAsync($"/api/orders/{orderId}/deadline", body);

        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);
        Assert.Equal("application/problem+json", moved.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await moved.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("expiresAt", out _));
    }

    [Fact]
    public async Task A_finished_order_takes_no_new_deadline()
    {
        var orderId = NewId("done");
        await host.InviteAsync(orderId);
        using (var cancelled = await OperatorPostAsync($"/api/orders/{orderId}/cancel", new { reason = "test" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        }

        await Eventually.WaitAsync(() => OrderAsync(orderId), o => o.GetProperty("stage").GetString() == "Cancelled", TimeSpan.FromSeconds(30), "cancelled");
        using var moved = await OperatorPostAsync($"/api/orders/{orderId}/deadline", new { expiresAt = DateTimeOffset.UtcNow.AddDays(3).ToString("O") });

        Assert.Equal(HttpStatusCode.Conflict, moved.StatusCode);
    }
}
