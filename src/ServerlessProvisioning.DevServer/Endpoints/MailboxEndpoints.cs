using System.Net;
using System.Text;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.DevServer.Endpoints;

/// <summary>The local mailbox (SPEC §4): JSON for scripts, a page for people, at the same address.</summary>
public static class MailboxEndpoints
{
    /// <summary>Maps <c>GET /dev/mailbox</c> and <c>GET /dev/mailbox/{id}</c> (an email's HTML).</summary>
    public static IEndpointRouteBuilder MapMailbox(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/dev/mailbox", async (HttpRequest request, LocalMailbox mailbox, string? orderId, CancellationToken ct) =>
        {
            var entries = await mailbox.ListAsync(orderId, ct);
            var wantsHtml = request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
            return wantsHtml ? Results.Content(Page(entries), "text/html; charset=utf-8") : Results.Json(entries, Json.Options);
        }).WithName("GetMailbox").WithTags("Local development").WithSummary("Every email the local host kept, newest first (JSON, or a page for browsers).")
            .Produces<IReadOnlyList<MailboxEntry>>(StatusCodes.Status200OK, "application/json");

        endpoints.MapGet("/dev/mailbox/{id}", async (string id, LocalMailbox mailbox, CancellationToken ct) =>
            await mailbox.GetHtmlAsync(id, ct) is { } html ? Results.Content(html, "text/html; charset=utf-8") : Results.NotFound())
            .WithName("GetMailboxMessage").ExcludeFromDescription();
        return endpoints;
    }

    static string Page(IReadOnlyList<MailboxEntry> entries)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);
        var html = new StringBuilder("""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Local mailbox</title><meta http-equiv="refresh" content="5"><link rel="stylesheet" href="/assets/app.css"></head>
            <body><main class="page"><h1>Local mailbox</h1><p>Every email the local host sent, newest first. This page refreshes every 5 seconds.</p>
            """);
        if (entries.Count == 0)
        {
            html.Append("<p>No emails yet. Post an order to <code>/api/orders</code>.</p>");
        }

        html.Append("<ol class=\"mailbox\">");
        foreach (var e in entries)
        {
            html.Append("<li><article><h2><a href=\"/dev/mailbox/").Append(E(e.Id)).Append("\">").Append(E(e.Subject)).Append("</a></h2>")
                .Append("<p class=\"meta\">").Append(E(e.Kind.ToString())).Append(" · to ").Append(E(e.To)).Append(" · order ").Append(E(e.OrderId))
                .Append(" · ").Append(E(e.SentAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture))).Append("</p>");
            if (e.Links.Wizard is { } wizard)
            {
                html.Append("<p><a class=\"button\" href=\"").Append(E(wizard)).Append("\">Open the wizard</a></p>");
            }

            if (e.Links.Approval is { } approval)
            {
                html.Append("<p><a class=\"button\" href=\"").Append(E(approval)).Append("\">Open the approval page</a></p>");
            }

            html.Append("<details><summary>Text</summary><pre>").Append(E(e.Text)).Append("</pre></details></article></li>");
        }

        return html.Append("</ol></main></body></html>").ToString();
    }
}
