using ServerlessProvisioning.Notifications.Acs;

namespace ServerlessProvisioning.UnitTests.Notifications.Acs;

public class AcsConnectionStringTests
{
    const string Key = "c2VjcmV0LWtleS1ieXRlcy10aGF0LW11c3Qtc3RheS1oaWRkZW4=";

    [Theory]
    [InlineData("endpoint=https://res.communication.azure.com/;accesskey=" + Key)]
    [InlineData("Endpoint=https://res.communication.azure.com/;AccessKey=" + Key + ";")]
    [InlineData(" accesskey = " + Key + " ; endpoint = https://res.communication.azure.com/ ")]
    public void Parse_reads_endpoint_and_key_in_any_order_and_case(string text)
    {
        var parsed = AcsConnectionString.Parse(text);

        Assert.Equal(new Uri("https://res.communication.azure.com/"), parsed.Endpoint);
        Assert.Equal(Key, parsed.AccessKey.Key);
        Assert.DoesNotContain(Key, parsed.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("accesskey=" + Key, "no 'endpoint'")]
    [InlineData("endpoint=https://res.communication.azure.com/", "no 'accesskey'")]
    [InlineData("endpoint=https://res.communication.azure.com/;accesskey=", "no 'accesskey'")]
    [InlineData("endpoint=https://res.communication.azure.com/;accesskey=not base64!" + Key, "not valid base64")]
    [InlineData("endpoint=res.communication.azure.com;accesskey=" + Key, "not an absolute http(s) URI")]
    [InlineData("endpoint=/relative;accesskey=" + Key, "not an absolute http(s) URI")]
    [InlineData("endpoint=ftp://res.communication.azure.com/;accesskey=" + Key, "not an absolute http(s) URI")]
    [InlineData("endpoint=https://res.communication.azure.com/;" + Key, "Part 2")]
    [InlineData("endpoint=https://res.communication.azure.com/;accesskey=" + Key + ";secret=" + Key, "unknown name")]
    [InlineData("endpoint=https://a/;endpoint=https://b/;accesskey=" + Key, "'endpoint' twice")]
    public void Parse_says_what_is_wrong_without_repeating_the_key(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => AcsConnectionString.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key.TrimEnd('='), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_constructor_reports_a_malformed_connection_string_the_same_way()
    {
        var error = Assert.Throws<FormatException>(() => new AcsEmailClient("endpoint=https://res.communication.azure.com/"));

        Assert.Contains("no 'accesskey'", error.Message, StringComparison.Ordinal);
    }
}
