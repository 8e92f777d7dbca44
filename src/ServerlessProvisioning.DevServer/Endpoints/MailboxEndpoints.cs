using System.Net;
using System.Text;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.DevServer.Endpoints;

/// <summary>The local mailbox (SPEC §4): JSON for scripts, a page for people, at the same address.</summary>
public static class MailboxEndpoints
{
    /// <summary>Maps <c>GET /dev/mailbox</c> and <c>GET /dev/mailbox/{id}</c> (an email's HTML).</summary>
    public static IEndpointRouteBuilder MapMailbox(this IEndpointRouteBuilder endpoints)
    {
        // The mailbox holds live links and codes: only this machine may read it, wherever the host listens.
        var dev = endpoints.MapGroup("/dev").AddEndpointFilter(async (context, next) =>
            context.HttpContext.Connection.RemoteIpAddress is { } address && System.Net.IPAddress.IsLoopback(address)
                ? await next(context)
                : Results.NotFound());

        dev.MapGet("/mailbox", async (HttpRequest request, LocalMailbox mailbox, string? orderId, CancellationToken ct) =>
        {
            var entries = await mailbox.ListAsync(orderId, ct);
            var wantsHtml = request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
            return wantsHtml ? Results.Content(Page(entries), "text/html; charset=utf-8") : Results.Json(entries, Json.Options);
        }).WithName("GetMailbox").WithTags("Local development").WithSummary("Every email the local host kept, newest first (JSON, or a page for browsers).")
            .Produces<IReadOnlyList<MailboxEntry>>(StatusCodes.Status200OK, "application/json");

        // The page's own styles, after the product's app.css: the deployed app has no mailbox, so its CSS carries none.
        dev.MapGet("/mailbox.css", () => Results.Text(Stylesheet.Value, "text/css; charset=utf-8"))
            .WithName("GetMailboxStylesheet").ExcludeFromDescription();

        dev.MapGet("/mailbox/{id}", async (string id, LocalMailbox mailbox, CancellationToken ct) =>
            await mailbox.GetHtmlAsync(id, ct) is { } html ? Results.Content(html, "text/html; charset=utf-8") : Results.NotFound())
            .WithName("GetMailboxMessage").ExcludeFromDescription();
        return endpoints;
    }

    static readonly Lazy<string> Stylesheet = new(() =>
    {
        using var stream = typeof(MailboxEndpoints).Assembly.GetManifestResourceStream("ServerlessProvisioning.DevServer.mailbox.css")
            ?? throw new InvalidOperationException("The mailbox stylesheet is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    static string Page(IReadOnlyList<MailboxEntry> entries)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);
        var html = new StringBuilder("""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Local mailbox · Subscription provisioning</title><meta http-equiv="refresh" content="5"><meta name="referrer" content="no-referrer">
            <link rel="icon" href="/assets/icon.svg" type="image/svg+xml"><link rel="stylesheet" href="/assets/app.css"><link rel="stylesheet" href="/dev/mailbox.css"></head>
            <body><header class="site-header"><div class="site-header__inner"><p class="brand"><span class="brand__mark" aria-hidden="true"></span>Subscription provisioning · local host</p></div></header>
            <main class="page"><h1>Local mailbox</h1>
            <p class="muted">Every email the local host sent, newest first. This page refreshes every 5 seconds; add <code>?orderId=…</code> to see one order's emails.</p>
            """);
        if (entries.Count == 0)
        {
            html.Append("<p class=\"banner banner--info\">No emails yet. Post a signed order to <code>/api/orders</code>.</p>");
        }

        html.Append("<ol class=\"mailbox\">");
        foreach (var e in entries)
        {
            html.Append("<li><article><h2><a href=\"/dev/mailbox/").Append(E(e.Id)).Append("\">").Append(E(e.Subject)).Append("</a></h2>")
                .Append("<p class=\"meta\"><span class=\"kind\">").Append(E(e.Kind.ToString())).Append("</span> · to <strong>").Append(E(e.To)).Append("</strong> · order ").Append(E(e.OrderId))
                .Append(" · <time datetime=\"").Append(E(e.SentAt.ToString("o", System.Globalization.CultureInfo.InvariantCulture))).Append("\">")
                .Append(E(e.SentAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture))).Append("</time></p>");
            if (e.Links.Wizard is not null || e.Links.Approval is not null)
            {
                html.Append("<p class=\"actions\">");
                if (e.Links.Wizard is { } wizard)
                {
                    html.Append("<a class=\"button button--primary\" href=\"").Append(E(wizard)).Append("\">Open the wizard</a>");
                }

                if (e.Links.Approval is { } approval)
                {
                    html.Append("<a class=\"button button--primary\" href=\"").Append(E(approval)).Append("\">Open the approval page</a>");
                }

                html.Append("</p>");
            }

            html.Append("<details><summary>Text of the email</summary><pre>").Append(E(e.Text)).Append("</pre></details></article></li>");
        }

        return html.Append("</ol></main></body></html>").ToString();
    }
}
