using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// <c>GET /api/orders?continuationToken=</c> takes back only what a previous page handed out: anything else is a 400
/// problem, never a page read from wherever the text happens to point.
/// </summary>
/// <remarks>
/// Found 2026-11-28: <c>OrdersApi</c> passed any well-formed base64url token on to Table Storage (200 with an empty page,
/// or a page from near where a truncated token pointed). Tokens are now signed (<see cref="ContinuationTokens"/>).
/// </remarks>
public class OrderListTokenTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    [Fact]
    public async Task A_well_formed_base64url_token_of_arbitrary_text_is_400()
    {
        string[] tokens =
        [
            "eyJ4IjoxfQ",                                  // {"x":1}
            Base64Url.EncodeToString("not a token"u8),
            Base64Url.EncodeToString("zzz zzz"u8),         // the shape of a table continuation, issued by nobody
            Base64Url.EncodeToString(" "u8),
        ];

        await AssertAllAre400Async(tokens);
    }

    [Fact]
    public async Task A_truncated_token_of_a_real_page_is_400()
    {
        var token = await RealTokenAsync();

        // Cuts that leave well-formed base64url (a length of 4n+1 characters never is), so the check under test is
        // whether the API knows the token, not whether base64url decoding fails.
        var truncated = new[] { token.Length - 1, token.Length - 2, token.Length - 3, token.Length / 2, 8 }
            .Where(n => n > 1 && n % 4 != 1)
            .Select(n => token[..n])
            .Distinct()
            .ToList();
        Assert.NotEmpty(truncated);

        await AssertAllAre400Async(truncated);
    }

    async Task<string> RealTokenAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            using var posted = await Server.PostOrderAsync(LocalHostFixture.Order("page-" + Guid.NewGuid().ToString("N")[..8]));
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        var page = await Eventually.WaitAsync(
            async () =>
            {
                using var response = await Server.OperatorGetAsync("/api/orders?pageSize=1");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return (await response.Content.ReadFromJsonAsync<OrderList>(Json.Options))!;
            },
            p => p.ContinuationToken is not null,
            TimeSpan.FromSeconds(30),
            "a first page with a continuation token");
        return page.ContinuationToken!;
    }

    async Task AssertAllAre400Async(IEnumerable<string> tokens)
    {
        var wrong = new StringBuilder();
        foreach (var token in tokens)
        {
            using var response = await Server.OperatorGetAsync("/api/orders?pageSize=1&continuationToken=" + Uri.EscapeDataString(token));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                wrong.AppendLine($"continuationToken={token}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {body[..Math.Min(body.Length, 300)]}");
            }
        }

        Assert.True(wrong.Length == 0, "Expected 400 problem+json for every token the list did not issue:" + Environment.NewLine + wrong);
    }
}
