using System.Text;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.UnitTests.Api;

/// <summary>Reading Event Grid batches: ACS delivery reports in both schemas, the validation handshake, and bad input as errors.</summary>
public class EmailEventsParsingTests
{
    // As ACS publishes it (docs: "Azure Communication Services - Email events"), in the Event Grid schema.
    const string AcsBounce = """
        [{
          "id": "00000000-0000-0000-0000-000000000000",
          "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
          "subject": "sender/senderid@azure.com/message/11111111-1111-1111-1111-111111111111",
          "data": {
            "sender": "senderid@azure.com",
            "recipient": "receiver@azure.com",
            "messageId": "11111111-1111-1111-1111-111111111111",
            "status": "Bounced",
            "deliveryStatusDetails": { "statusMessage": "550 5.1.1 The email account that you tried to reach does not exist." },
            "deliveryAttemptTimestamp": "2026-12-01T10:11:12.1234567+00:00"
          },
          "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
          "dataVersion": "1.0",
          "metadataVersion": "1",
          "eventTime": "2026-12-01T10:11:13Z"
        }]
        """;

    static (IReadOnlyList<EmailEvent> Events, Dictionary<string, string[]> Errors) Parse(string json) => EmailEventsApi.Parse(Encoding.UTF8.GetBytes(json));

    static string EventGrid(string data) =>
        $$"""[{"id":"1","subject":"s","eventType":"Microsoft.Communication.EmailDeliveryReportReceived","eventTime":"2026-12-01T00:00:00Z","dataVersion":"1.0","data":{{data}}}]""";

    [Fact]
    public void Parse_AcsBounceInEventGridSchema_ReadsTheReport()
    {
        var (events, errors) = Parse(AcsBounce);

        Assert.Empty(errors);
        var report = Assert.IsType<EmailEvent.Report>(Assert.Single(events)).Value;
        Assert.Equal("11111111-1111-1111-1111-111111111111", report.MessageId);
        Assert.Equal("Bounced", report.Status);
        Assert.Equal("receiver@azure.com", report.Recipient);
        Assert.StartsWith("550 5.1.1", report.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 11, 12, TimeSpan.Zero).AddTicks(1234567), report.AttemptedAt);
        Assert.True(report.IsFailure);
    }

    [Fact]
    public void Parse_ACloudEvent_ReadsTheSameReport()
    {
        const string cloudEvent = """
            {"specversion":"1.0","id":"e1","source":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
             "type":"Microsoft.Communication.EmailDeliveryReportReceived","time":"2026-12-01T10:11:13Z",
             "data":{"sender":"a@azure.com","recipient":"r@example.org","messageId":"m-1","status":"Suppressed"}}
            """;

        var (events, errors) = Parse(cloudEvent);

        Assert.Empty(errors);
        var report = Assert.IsType<EmailEvent.Report>(Assert.Single(events)).Value;
        Assert.Equal(("m-1", "Suppressed"), (report.MessageId, report.Status));
    }

    [Fact]
    public void Parse_TheSubscriptionValidationEvent_GivesItsCode()
    {
        const string validation = """
            [{"id":"2d1781af","topic":"/subscriptions/x","subject":"","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent",
              "eventTime":"2026-12-01T21:03:07+00:00","dataVersion":"2","metadataVersion":"1",
              "data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6","validationUrl":"https://rp-eastus2.eventgrid.azure.net/api/vwebhook"}}]
            """;

        var (events, errors) = Parse(validation);

        Assert.Empty(errors);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", Assert.IsType<EmailEvent.Validation>(Assert.Single(events)).Code);
    }

    [Fact]
    public void Parse_AnotherEventType_IsKeptAsOtherAndNotAnError()
    {
        var (events, errors) = Parse("""[{"id":"1","subject":"s","eventType":"Microsoft.Communication.EmailEngagementTrackingReportReceived","eventTime":"2026-12-01T00:00:00Z","dataVersion":"1.0","data":{"messageId":"m"}}]""");

        Assert.Empty(errors);
        Assert.IsType<EmailEvent.Other>(Assert.Single(events));
    }

    [Fact]
    public void Parse_TheLocalMailboxsBounce_ReadsAsACSWould()
    {
        var sent = new EmailDeliveryReport("m-2", EmailDeliveryReport.Bounced, "x@bounce.invalid", LocalDeliveryReports.BounceMessage, DateTimeOffset.UnixEpoch);

        var (events, errors) = EmailEventsApi.Parse(LocalDeliveryReports.EventGridBody(sent, "DoNotReply@mailbox.localhost"));

        Assert.Empty(errors);
        Assert.Equal(sent, Assert.IsType<EmailEvent.Report>(Assert.Single(events)).Value);
    }

    [Theory]
    [InlineData("not json", "body")]
    [InlineData("[]", "body")]
    [InlineData("\"text\"", "body")]
    [InlineData("[1]", "[0]")]
    [InlineData("""[{"eventType":"Microsoft.Communication.EmailDeliveryReportReceived"}]""", "[0]")]
    [InlineData("""[{"specversion":"1.0","type":"Microsoft.Communication.EmailDeliveryReportReceived"}]""", "[0]")]
    public void Parse_WhatIsNotABatchOfEvents_IsAnErrorNamingWhere(string json, string where)
    {
        var (_, errors) = Parse(json);

        Assert.Contains(where, errors.Keys);
    }

    [Theory]
    [InlineData("""{"status":"Bounced"}""")]
    [InlineData("""{"messageId":"","status":"Bounced"}""")]
    [InlineData("""{"messageId":"m"}""")]
    [InlineData("""{"messageId":"m","status":"Bounced; drop table"}""")]
    [InlineData("""{"messageId":"m","status":42}""")]
    [InlineData("""{"messageId":42,"status":"Bounced"}""")]
    [InlineData("""{"messageId":"m","status":"Bounced","deliveryAttemptTimestamp":"yesterday"}""")]
    [InlineData("\"a string\"")]
    public void Parse_ADeliveryReportWithoutAUsableMessageIdOrStatus_IsAnError(string data)
    {
        var (_, errors) = Parse(EventGrid(data));

        Assert.Equal(["[0]"], errors.Keys);
    }

    [Theory]
    [InlineData("Delivered", false)]
    [InlineData("delivered", false)]
    [InlineData("Expanded", false)]
    [InlineData("Bounced", true)]
    [InlineData("Failed", true)]
    [InlineData("Suppressed", true)]
    [InlineData("Quarantined", true)]
    [InlineData("FilteredSpam", true)]
    [InlineData("SomethingNew", true)]
    public void IsFailure_EveryStatusButDeliveredAndExpanded_IsAFailure(string status, bool failure) =>
        Assert.Equal(failure, new EmailDeliveryReport("m", status).IsFailure);

    [Theory]
    [InlineData("buyer@bounce.invalid", true)]
    [InlineData("Buyer@Mistyped.INVALID", true)]
    [InlineData("buyer@acme.com", false)]
    [InlineData("buyer@invalid.acme.com", false)]
    [InlineData("not an address", false)]
    public void Bounces_AddressesAtDotInvalidDomains(string address, bool bounces) =>
        Assert.Equal(bounces, LocalDeliveryReports.Bounces(address));

    [Fact]
    public void MessageIdOf_IsTheAcsOperationIdOfTheIdempotencyKey()
    {
        var email = new OutgoingEmail("order-1/Invitation/1", EmailKind.Invitation, "ord-1", new EmailRecipient("a@b.c"), "s", "t", "<p>t</p>", new EmailLinks());

        Assert.Equal(ServerlessProvisioning.Notifications.Acs.EmailOperationId.FromIdempotencyKey("order-1/Invitation/1").ToString("D"), EmailDeliveries.MessageIdOf(email));
    }
}
