using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Bench;

/// <summary>
/// A burst of orders: how the webhook answered and how long until every invitation was sent.
/// </summary>
/// <param name="Orders">Signed orders posted.</param>
/// <param name="Concurrency">Posts in flight at once (as fast as the webhook takes them).</param>
/// <param name="Accepted">How many answered <c>202</c> (every one must).</param>
/// <param name="Invited">Orders with exactly one invitation in the mailbox (every one must).</param>
/// <param name="Duplicated">Orders with more than one invitation (none may).</param>
/// <param name="Lost">Accepted orders without an invitation (none may).</param>
/// <param name="PostSeconds">From the first post to the last answer.</param>
/// <param name="SecondsToLastInvitation">From the first post to the last invitation sent (the mailbox's time).</param>
/// <param name="InvitationsPerSecond">Invitations divided by <paramref name="SecondsToLastInvitation"/>.</param>
/// <param name="WebhookP50Ms">The webhook's answer time, median, during the burst.</param>
/// <param name="WebhookP95Ms">The webhook's answer time, p95, during the burst.</param>
/// <param name="WebhookMaxMs">The slowest answer.</param>
internal sealed record BurstResult(
    int Orders,
    int Concurrency,
    int Accepted,
    int Invited,
    int Duplicated,
    int Lost,
    double PostSeconds,
    double SecondsToLastInvitation,
    double InvitationsPerSecond,
    double WebhookP50Ms,
    double WebhookP95Ms,
    double WebhookMaxMs);

/// <summary>Posts a burst of signed orders and checks every invitation went out exactly once.</summary>
internal static class Burst
{
    const int Concurrency = 32;
    static readonly TimeSpan InvitationDeadline = TimeSpan.FromMinutes(20);

    static readonly TimeSpan MailboxPoll = TimeSpan.FromSeconds(2);

    public static async Task<BurstResult> RunAsync(LocalHostProcess server, string run, int orders, CancellationToken cancellationToken)
    {
        Log($"burst: posting {orders} orders, {Concurrency} at a time");
        var ids = Enumerable.Range(0, orders).Select(i => $"bench-{run}-burst-{i}").ToList();
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var answers = new Samples();
        var accepted = 0;
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(Concurrency);
        await Task.WhenAll(ids.Select(async id =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var order = new { orderId = id, subscriptionId = "sub-" + id, provisioningContactEmail = $"contact@{id}.example", scenario = "CustomerSelf", locale = "en" };
                var sent = Stopwatch.GetTimestamp();
                using var response = await WizardBenchmark.PostOrderAsync(server, order);
                var elapsed = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                lock (answers)
                {
                    answers.Add(elapsed);
                }

                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        var postSeconds = clock.Elapsed.TotalSeconds;
        Log($"burst: {accepted} of {orders} answered 202 in {postSeconds:F1} s (p50 {answers.Median} ms, p95 {answers.Percentile(95)} ms); waiting for the invitations");

        // The mailbox is read whole (the local host has no filter that reads less), so it is read every 2 s, not per order:
        // the benchmark's own reads stay a small part of the load it measures. Exactly once: every order's invitations counted.
        var deadline = Stopwatch.GetTimestamp() + (long)(InvitationDeadline.TotalSeconds * Stopwatch.Frequency);
        Dictionary<string, (int Count, DateTimeOffset Last)> mail;
        while (true)
        {
            mail = (await server.Http.GetFromJsonAsync<List<MailboxEntry>>("/dev/mailbox", Json.Options, cancellationToken))!
                .Where(m => m.Kind == EmailKind.Invitation && wanted.Contains(m.OrderId))
                .GroupBy(m => m.OrderId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (Count: g.Count(), Last: g.Max(m => m.SentAt)), StringComparer.Ordinal);
            if (mail.Count == ids.Count || Stopwatch.GetTimestamp() > deadline)
            {
                break;
            }

            await Task.Delay(MailboxPoll, cancellationToken);
        }

        // A moment more, so an invitation sent twice would be seen.
        await Task.Delay(MailboxPoll, cancellationToken);
        mail = (await server.Http.GetFromJsonAsync<List<MailboxEntry>>("/dev/mailbox", Json.Options, cancellationToken))!
            .Where(m => m.Kind == EmailKind.Invitation && wanted.Contains(m.OrderId))
            .GroupBy(m => m.OrderId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Count: g.Count(), Last: g.Max(m => m.SentAt)), StringComparer.Ordinal);
        var invited = mail.Values.Count(m => m.Count == 1);
        var duplicated = mail.Values.Count(m => m.Count > 1);
        var lost = ids.Count - mail.Count;
        var last = mail.Count > 0 ? (mail.Values.Max(m => m.Last) - start).TotalSeconds : double.NaN;
        var result = new BurstResult(
            orders, Concurrency, accepted, invited, duplicated, lost, Math.Round(postSeconds, 1), Math.Round(last, 1), Math.Round(mail.Count / last, 1), answers.Median, answers.Percentile(95), answers.Percentile(100));
        Log($"burst: {invited} invited exactly once, {duplicated} more than once, {lost} lost; the last invitation {result.SecondsToLastInvitation} s after the first post ({result.InvitationsPerSecond}/s)");
        return result;
    }

    static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
