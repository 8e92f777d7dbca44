using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// ACS delivery reports through POST /api/events/email-delivery on the local host: the mailbox's own bounce of a
/// .invalid address reaches the order's audit once, a repeated event adds nothing, both validation handshakes answer,
/// unknown messages and delivered mail are accepted and not audited, and bad input is a 400 problem.
/// </summary>
public class EmailDeliveryEventsTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    const string Route = "/api/" + EmailEventsApi.Template;

    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    async Task<OrderView> OrderAsync(string orderId)
    {
        using var response = await Server.OperatorGetAsync($"/api/orders/{orderId}");
        return (await response.Content.ReadFromJsonAsync<OrderView>(Json.Options))!;
    }

    static int Failures(OrderView order) => order.Audit.Count(a => a.Action == nameof(AuditAction.EmailDeliveryFailed));

    Task<HttpResponseMessage> PostEventsAsync(string json, string? query = "?code=" + LocalHost.OperatorKey, string contentType = "application/json") =>
        Server.Http.PostAsync(Route + query, new StringContent(json, Encoding.UTF8, contentType));

    Task<HttpResponseMessage> PostReportAsync(EmailDeliveryReport report, string query = "?code=" + LocalHost.OperatorKey) =>
        PostEventsAsync(Encoding.UTF8.GetString(LocalDeliveryReports.EventGridBody(report, "DoNotReply@example.org")), query);

    async Task<(string OrderId, MailboxEntry Invitation)> InviteAsync(string contact)
    {
        var orderId = NewId("bounce");
        using var response = await Server.PostOrderAsync(LocalHostFixture.Order(orderId, contact: contact));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Invitation), "the invitation");
        return (orderId, mail.Single(x => x.Kind == EmailKind.Invitation));
    }

    [Fact]
    public async Task An_invitation_to_a_dot_invalid_address_bounces_into_the_orders_audit_once()
    {
        var (orderId, invitation) = await InviteAsync("buyer@bounce.invalid");

        var order = await Eventually.WaitAsync(() => OrderAsync(orderId), o => Failures(o) > 0, TimeSpan.FromSeconds(60), "the bounce in the audit");

        var failure = Assert.Single(order.Audit, a => a.Action == nameof(AuditAction.EmailDeliveryFailed));
        Assert.Equal(EmailDeliveries.Actor, failure.Actor);
        Assert.StartsWith("Invitation to buyer@bounce.invalid: Bounced (550 5.1.2", failure.Detail, StringComparison.Ordinal);
        Assert.True(failure.Sequence > order.Audit.Where(a => a.Action != nameof(AuditAction.EmailDeliveryFailed)).Max(a => a.Sequence));
        Assert.NotNull(invitation.MessageId);

        // Event Grid delivers at least once: the same report again is accepted and adds nothing.
        using var again = await PostReportAsync(new EmailDeliveryReport(invitation.MessageId!, "Bounced", "buyer@bounce.invalid", "again", DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(0, (await again.Content.ReadFromJsonAsync<EmailEventsReceipt>(Json.Options))!.Recorded);
        Assert.Equal(1, Failures(await OrderAsync(orderId)));
    }

    [Fact]
    public async Task A_delivered_report_is_not_audited_and_another_status_of_the_same_message_is()
    {
        var (orderId, invitation) = await InviteAsync("buyer@acme.com");

        using var delivered = await PostReportAsync(new EmailDeliveryReport(invitation.MessageId!, "Delivered", "buyer@acme.com"));
        using var suppressed = await PostReportAsync(new EmailDeliveryReport(invitation.MessageId!, "Suppressed", "buyer@acme.com", "On the suppression list"));
        using var repeated = await PostReportAsync(new EmailDeliveryReport(invitation.MessageId!, "suppressed", "buyer@acme.com"));

        Assert.Equal(0, (await delivered.Content.ReadFromJsonAsync<EmailEventsReceipt>(Json.Options))!.Recorded);
        Assert.Equal(1, (await suppressed.Content.ReadFromJsonAsync<EmailEventsReceipt>(Json.Options))!.Recorded);
        Assert.Equal(0, (await repeated.Content.ReadFromJsonAsync<EmailEventsReceipt>(Json.Options))!.Recorded);
        var failure = Assert.Single((await OrderAsync(orderId)).Audit, a => a.Action == nameof(AuditAction.EmailDeliveryFailed));
        Assert.Equal("Invitation to buyer@acme.com: Suppressed (On the suppression list)", failure.Detail);
    }

    [Fact]
    public async Task Reports_of_reports_at_the_same_moment_add_one_entry()
    {
        var (orderId, invitation) = await InviteAsync("buyer@acme.com");
        var report = new EmailDeliveryReport(invitation.MessageId!, "Quarantined", "buyer@acme.com");

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostReportAsync(report)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(1, Failures(await OrderAsync(orderId)));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Fact]
    public async Task A_report_of_a_message_that_is_not_ours_is_accepted_and_ignored()
    {
        using var response = await PostReportAsync(new EmailDeliveryReport(Guid.NewGuid().ToString("D"), "Bounced", "someone@example.org"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = (await response.Content.ReadFromJsonAsync<EmailEventsReceipt>(Json.Options))!;
        Assert.Equal(1, receipt.Received);
        Assert.Equal(0, receipt.Recorded);
    }

    [Fact]
    public async Task The_Event_Grid_subscription_validation_is_answered_with_its_code()
    {
        const string validation = """
            [{"id":"2d1781af-3a4c-4d7c-bd0c-e34b19da4e66","topic":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
              "subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6","validationUrl":"https://rp-eastus2.eventgrid.azure.net/api/vwebhook"},
              "eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-12-01T21:03:07+00:00","metadataVersion":"1","dataVersion":"2"}]
            """;

        using var response = await PostEventsAsync(validation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", body.RootElement.GetProperty("validationResponse").GetString());
        Assert.Single(body.RootElement.EnumerateObject());
    }

    [Fact]
    public async Task The_CloudEvents_handshake_allows_the_origin_that_asks_and_a_CloudEvent_report_is_read()
    {
        using var options = new HttpRequestMessage(HttpMethod.Options, Route + "?code=" + LocalHost.OperatorKey);
        options.Headers.Add(EmailEventsApi.RequestOriginHeader, "eventgrid.azure.net");
        using var allowed = await Server.Http.SendAsync(options);
        using var bare = await Server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, Route + "?code=" + LocalHost.OperatorKey));
        var (orderId, invitation) = await InviteAsync("buyer@acme.com");
        var cloudEvent = JsonSerializer.Serialize(new
        {
            specversion = "1.0",
            id = Guid.NewGuid().ToString("D"),
            source = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
            type = "Microsoft.Communication.EmailDeliveryReportReceived",
            time = DateTimeOffset.UtcNow,
            data = new { sender = "DoNotReply@example.org", recipient = "buyer@acme.com", messageId = invitation.MessageId, status = "FilteredSpam", deliveryAttemptTimestamp = DateTimeOffset.UtcNow },
        });
        using var report = await PostEventsAsync(cloudEvent, contentType: "application/cloudevents+json");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("eventgrid.azure.net", allowed.Headers.GetValues(EmailEventsApi.AllowedOriginHeader).Single());
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        Assert.Equal(1, Failures(await OrderAsync(orderId)));
    }

    [Theory]
    [InlineData("", HttpStatusCode.Unauthorized)]
    [InlineData("?code=wrong", HttpStatusCode.Unauthorized)]
    [InlineData("?code=" + LocalHost.OperatorKey, HttpStatusCode.OK)]
    public async Task The_route_needs_the_key_in_the_query(string query, HttpStatusCode expected)
    {
        using var response = await PostReportAsync(new EmailDeliveryReport(Guid.NewGuid().ToString("D"), "Bounced"), query);

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("[{\"eventType\":\"Microsoft.Communication.EmailDeliveryReportReceived\"}]")]
    [InlineData("[{\"id\":\"1\",\"subject\":\"s\",\"eventType\":\"Microsoft.Communication.EmailDeliveryReportReceived\",\"eventTime\":\"2026-12-01T00:00:00Z\",\"dataVersion\":\"1.0\",\"data\":{\"status\":\"Bounced\"}}]")]
    [InlineData("[{\"id\":\"1\",\"subject\":\"s\",\"eventType\":\"Microsoft.Communication.EmailDeliveryReportReceived\",\"eventTime\":\"2026-12-01T00:00:00Z\",\"dataVersion\":\"1.0\",\"data\":{\"messageId\":\"m\",\"status\":42}}]")]
    public async Task Bad_input_is_a_400_problem(string body)
    {
        using var response = await PostEventsAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
