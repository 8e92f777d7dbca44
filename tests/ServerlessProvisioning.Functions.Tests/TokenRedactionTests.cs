using System.Diagnostics;

namespace ServerlessProvisioning.Functions.Tests;

public class TokenRedactionTests
{
    [Theory]
    [InlineData("GET /api/wizard/o9qN5np90ezv9naGaQh7sCJxmdXgBHexwLaTIHgkR2M", "GET /api/wizard/{token}")]
    [InlineData("https://x.example/api/wizard/o9qN5np90ezv9naGaQh7sCJxmdXgBHexwLaTIHgkR2M/submission?x=1", "https://x.example/api/wizard/{token}/submission?x=1")]
    [InlineData("/api/approvals/abc-DEF_123", "/api/approvals/{token}")]
    [InlineData("/api/orders/ord-1", "/api/orders/ord-1")]
    [InlineData("https://app/api/events/email-delivery?code=Abc123%3D%3D", "https://app/api/events/email-delivery?code={key}")]
    [InlineData("?x=1&CODE=k3y&y=2", "?x=1&CODE={key}&y=2")]
    [InlineData("code=k3y", "code={key}")]
    [InlineData("/api/orders?zipcode=12345", "/api/orders?zipcode=12345")]
    public void Tokens_in_paths_and_keys_in_queries_are_replaced(string text, string expected) =>
        Assert.Equal(expected, TokenRedactionProcessor.Redact(text));

    [Fact]
    public void Spans_lose_the_token_in_their_name_and_url_tags()
    {
        using var activity = new Activity("GET /api/wizard/secret-token-value");
        activity.SetTag("url.full", "https://app/api/wizard/secret-token-value");
        activity.SetTag("url.path", "/api/wizard/secret-token-value/choice");
        activity.Start();
        activity.Stop();

        new TokenRedactionProcessor().OnEnd(activity);

        Assert.DoesNotContain("secret-token-value", activity.DisplayName, StringComparison.Ordinal);
        Assert.All(activity.Tags, t => Assert.DoesNotContain("secret-token-value", t.Value, StringComparison.Ordinal));
    }
}
