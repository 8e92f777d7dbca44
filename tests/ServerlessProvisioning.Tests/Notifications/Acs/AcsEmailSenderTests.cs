using System.Text.Json.Nodes;
using Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Notifications.Acs;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Notifications.Acs;

public class AcsEmailSenderTests
{
    const string Recipient = "grace.hopper@navy.example";

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static OutgoingEmail Email(string key = "order-7/Invitation") => new(
        key,
        EmailKind.Invitation,
        "order-7",
        new EmailRecipient(Recipient, "Grace Hopper"),
        "Your invitation",
        "Open https://provisioning.example/wizard?t=abc",
        "<a href=\"https://provisioning.example/wizard?t=abc\">Start</a>",
        new EmailLinks(Wizard: "https://provisioning.example/wizard?t=abc", WizardToken: "abc"));

    static AcsEmailSender Sender(FakeAcsServer server, ILogger<AcsEmailSender> logger, RecordedDelays? delays = null) =>
        AcsEmailSender.Create(
            new EmailOptions { AcsConnectionString = server.ConnectionString, SenderAddress = "DoNotReply@mail.example.com" },
            logger,
            clientOptions: AcsTestKit.FastOptions(delays));

    [Fact]
    public async Task An_outgoing_email_becomes_the_ACS_message_from_the_configured_sender()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var sender = Sender(server, new ListLogger<AcsEmailSender>());

        await sender.SendAsync(Email(), Token);

        var expected = JsonNode.Parse("""
            {
              "senderAddress": "DoNotReply@mail.example.com",
              "content": {
                "subject": "Your invitation",
                "plainText": "Open https://provisioning.example/wizard?t=abc",
                "html": "<a href=\"https://provisioning.example/wizard?t=abc\">Start</a>"
              },
              "recipients": { "to": [ { "address": "grace.hopper@navy.example", "displayName": "Grace Hopper" } ] },
              "userEngagementTrackingDisabled": true
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(Assert.Single(server.Deliveries))));
    }

    [Fact]
    public async Task A_retried_activity_reuses_the_operation_id_of_its_idempotency_key_and_the_email_goes_out_once()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var sender = Sender(server, new ListLogger<AcsEmailSender>());

        await sender.SendAsync(Email(), Token);
        await sender.SendAsync(Email(), Token);
        await sender.SendAsync(Email("order-7/InvitationReminder"), Token);

        var ids = server.Posts.Select(p => p.Header("Operation-Id")).ToList();
        Assert.Equal(EmailOperationId.FromIdempotencyKey("order-7/Invitation").ToString(), ids[0]);
        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(EmailOperationId.FromIdempotencyKey("order-7/InvitationReminder").ToString(), ids[2]);
        Assert.Equal(2, server.Deliveries.Count);
    }

    [Fact]
    public async Task A_send_returns_once_ACS_has_accepted_the_email_without_polling_its_delivery()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.RunningPolls = 1000;
        var sender = Sender(server, new ListLogger<AcsEmailSender>());

        await sender.SendAsync(Email(), Token);

        Assert.Single(server.Posts);
        Assert.Empty(server.Polls);
    }

    [Fact]
    public async Task Throttling_becomes_the_wait_ACS_asks_for_without_waiting_it_here()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.PostReplies.Enqueue(new ScriptedReply(429, new Dictionary<string, string> { ["Retry-After"] = "3600" }));
        var delays = new RecordedDelays();
        var sender = Sender(server, new ListLogger<AcsEmailSender>(), delays);

        var throttled = await Assert.ThrowsAsync<EmailThrottledException>(() => sender.SendAsync(Email(), Token));

        Assert.Equal(TimeSpan.FromHours(1), throttled.RetryAfter);
        Assert.Single(server.Posts);
        Assert.Empty(server.Deliveries);
    }

    [Fact]
    public async Task A_refused_email_is_rejected_for_good_and_logs_the_error_code()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.PostReplies.Enqueue(new ScriptedReply(400));
        var logger = new ListLogger<AcsEmailSender>();
        var sender = Sender(server, logger);

        var error = await Assert.ThrowsAsync<EmailRejectedException>(() => sender.SendAsync(Email(), Token));

        Assert.Equal(400, error.Status);
        Assert.Single(server.Posts);
        var warning = Assert.Single(logger.Entries, e => e.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Contains("order-7", warning, StringComparison.Ordinal);
        Assert.Contains(EmailOperationId.FromIdempotencyKey("order-7/Invitation").ToString(), warning, StringComparison.Ordinal);
        Assert.DoesNotContain(Recipient, warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_name_kind_order_and_operation_but_never_the_access_key_the_recipient_or_the_token()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var logger = new ListLogger<AcsEmailSender>();
        var sender = Sender(server, logger);
        var operationId = EmailOperationId.FromIdempotencyKey("order-7/Invitation").ToString();

        await sender.SendAsync(Email(), Token);
        server.PostReplies.Enqueue(new ScriptedReply(400));
        await Assert.ThrowsAsync<EmailRejectedException>(() => sender.SendAsync(Email("order-7/Outcome"), Token));
        server.FinalStatus = "Failed";
        server.FinalError = ("EmailDropped", $"Email to {Recipient} was dropped.");
        await sender.SendAsync(Email("order-7/ApprovalRequest"), Token);
        var wrongKey = AcsEmailSender.Create(
            new EmailOptions { AcsConnectionString = $"endpoint={server.Endpoint};accesskey=AAAA", SenderAddress = "DoNotReply@mail.example.com" },
            logger,
            clientOptions: AcsTestKit.FastOptions());
        await Assert.ThrowsAsync<EmailRejectedException>(() => wrongKey.SendAsync(Email("order-7/Reminder"), Token));

        var logs = logger.All;
        Assert.Contains("Invitation", logs, StringComparison.Ordinal);
        Assert.Contains("order-7", logs, StringComparison.Ordinal);
        Assert.Contains(operationId, logs, StringComparison.Ordinal);
        Assert.Contains("navy.example", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(server.AccessKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("accesskey", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Recipient, logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("grace.hopper", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Grace Hopper", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("t=abc", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("HMAC-SHA256", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_both_keys_set_the_connection_string_wins()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var logger = new ListLogger<AcsEmailSender>();
        var sender = AcsEmailSender.Create(
            new EmailOptions
            {
                AcsConnectionString = server.ConnectionString,
                AcsEndpoint = "https://unused.communication.azure.com",
                SenderAddress = "DoNotReply@mail.example.com",
            },
            logger,
            new FakeTokenCredential("never-used"),
            AcsTestKit.FastOptions());

        await sender.SendAsync(Email(), Token);

        Assert.Single(server.Deliveries);
        Assert.StartsWith("HMAC-SHA256 ", Assert.Single(server.Posts).Header("Authorization"), StringComparison.Ordinal);
        Assert.Contains("Email:AcsEndpoint is ignored", logger.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_only_an_endpoint_the_sender_uses_the_token_credential()
    {
        await using var server = await FakeAcsServer.StartAsync(https: true);
        server.AcceptedBearerToken = "mi-token";
        var sender = AcsEmailSender.Create(
            new EmailOptions { AcsEndpoint = server.Endpoint.ToString(), SenderAddress = "DoNotReply@mail.example.com" },
            new ListLogger<AcsEmailSender>(),
            new FakeTokenCredential("mi-token"),
            AcsTestKit.FastOptions(trust: server));

        await sender.SendAsync(Email(), Token);

        Assert.Single(server.Deliveries);
        Assert.Equal("Bearer mi-token", Assert.Single(server.Posts).Header("Authorization"));
    }

    [Fact]
    public async Task The_sender_registered_by_AddAcsEmail_delivers()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var services = new ServiceCollection().AddLogging();
        services.AddAcsEmail(
            new EmailOptions { AcsConnectionString = server.ConnectionString, SenderAddress = "DoNotReply@mail.example.com" },
            configureClient: options =>
            {
                options.Retry.Delay = TimeSpan.FromMilliseconds(1);
                options.PollDelay = new RecordedDelays().WaitAsync;
            });
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IEmailSender>().SendAsync(Email(), Token);

        Assert.Single(server.Deliveries);
    }
}
