using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Configuration;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.DevTools;

/// <summary>
/// The local mailbox's stand-in for ACS delivery reports, so that a bounce can be seen without Azure: an email to an
/// address whose domain ends in <c>.invalid</c> (RFC 2606 reserves it: no such domain will ever exist, so real mail
/// to it bounces) is kept in the mailbox as any other, and reported <c>Bounced</c> to the host's own
/// <c>POST /api/events/email-delivery</c>, as an Event Grid event like ACS sends, through the same code path.
/// </summary>
public sealed class LocalDeliveryReports
{
    /// <summary>Addresses at domains ending in this bounce.</summary>
    public const string BouncingDomainSuffix = ".invalid";

    /// <summary>The status message of a local bounce.</summary>
    public const string BounceMessage = "550 5.1.2 The domain does not exist (the local mailbox bounces every address at a .invalid domain).";

    // Bounded: a host that never posts them (func start with the local mailbox) keeps at most this many.
    readonly Channel<EmailDeliveryReport> pending = Channel.CreateBounded<EmailDeliveryReport>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>Whether mail to <paramref name="address"/> bounces locally.</summary>
    public static bool Bounces(string address) =>
        EmailAddress.DomainOf(address) is { } domain && domain.EndsWith(BouncingDomainSuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The reports waiting to be posted.</summary>
    public ChannelReader<EmailDeliveryReport> Pending => pending.Reader;

    /// <summary>Reports <paramref name="email"/> bounced, if its address bounces (the mailbox calls this once per email it keeps).</summary>
    public void Kept(OutgoingEmail email, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(email);
        if (Bounces(email.To.Address))
        {
            pending.Writer.TryWrite(new EmailDeliveryReport(EmailDeliveries.MessageIdOf(email), EmailDeliveryReport.Bounced, email.To.Address, BounceMessage, at));
        }
    }

    /// <summary>The report as Event Grid delivers it: an array of one event in the Event Grid schema, as ACS publishes it (its members spelled as ACS spells them).</summary>
    public static byte[] EventGridBody(EmailDeliveryReport report, string sender)
    {
        ArgumentNullException.ThrowIfNull(report);
        object[] events =
        [
            new
            {
                id = Guid.NewGuid().ToString("D"),
                topic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Communication/communicationServices/local-mailbox",
                subject = $"sender/{sender}/message/{report.MessageId}",
                eventType = "Microsoft.Communication.EmailDeliveryReportReceived",
                eventTime = (report.AttemptedAt ?? DateTimeOffset.UtcNow).ToString("O"),
                dataVersion = "1.0",
                data = new
                {
                    sender,
                    recipient = report.Recipient,
                    messageId = report.MessageId,
                    status = report.Status,
                    deliveryStatusDetails = new { statusMessage = report.StatusMessage },
                    deliveryAttemptTimeStamp = (report.AttemptedAt ?? DateTimeOffset.UtcNow).ToString("O"),
                },
            },
        ];
        return JsonSerializer.SerializeToUtf8Bytes(events);
    }
}

/// <summary>Posts the local mailbox's delivery reports to the host's own event route, with the operator key as <c>?code=</c>.</summary>
public sealed class LocalDeliveryReportPoster(
    LocalDeliveryReports reports,
    IHttpClientFactory clients,
    IServer server,
    IOptions<ProvisioningOptions> options,
    ILogger<LocalDeliveryReportPoster> logger) : BackgroundService
{
    /// <summary>The name of the HTTP client it posts with (tests point it at an in-process server).</summary>
    public const string HttpClientName = "local-delivery-reports";

    const string Sender = "DoNotReply@mailbox.localhost";

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var report in reports.Pending.ReadAllAsync(stoppingToken))
            {
                await PostAsync(report, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    async Task PostAsync(EmailDeliveryReport report, CancellationToken cancellationToken)
    {
        var body = LocalDeliveryReports.EventGridBody(report, Sender);
        var key = Uri.EscapeDataString(options.Value.OperatorKey ?? "");
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; attempt <= 6; attempt++)
        {
            try
            {
                using var http = clients.CreateClient(HttpClientName);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
                using var response = await http.PostAsync(new Uri(BaseAddress(), $"/api/{EmailEventsApi.Template}?{ApiSecurity.EventKeyQuery}={key}"), content, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    logger.LogInformation("Local mailbox: reported message {MessageId} {Status}", report.MessageId, report.Status);
                    return;
                }

                logger.LogWarning("Local mailbox: the event route answered {HttpStatus} to the report of message {MessageId}", (int)response.StatusCode, report.MessageId);
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                logger.LogWarning("Local mailbox: could not post the report of message {MessageId}: {Error}", report.MessageId, e.Message);
            }

            await Task.Delay(delay, cancellationToken);
            delay *= 2;
        }
    }

    // Where this host listens (the first address; a wildcard means this machine), else the links' base.
    Uri BaseAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return new Uri(options.Value.PublicBaseUrl);
        }

        var local = address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal);
        return new Uri(local);
    }
}

/// <summary>Registers the local delivery reports.</summary>
public static class LocalDeliveryReportsServiceCollectionExtensions
{
    /// <summary>Mail the local mailbox keeps for a <c>.invalid</c> address is reported bounced to the host's event route.</summary>
    public static IServiceCollection AddLocalDeliveryReports(this IServiceCollection services)
    {
        services.TryAddSingleton<LocalDeliveryReports>();
        services.AddHttpClient(LocalDeliveryReportPoster.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddHostedService<LocalDeliveryReportPoster>();
        return services;
    }
}
