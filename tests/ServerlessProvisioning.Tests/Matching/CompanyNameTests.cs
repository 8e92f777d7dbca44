using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Tests.Matching;

public class CompanyNameTests
{
    [Theory]
    [InlineData("Telefónica S.A.", "telefonica s a", "telef")]
    [InlineData("TELEFONICA", "telefonica", "telef")]
    [InlineData("ACME, Inc.", "acme inc", "acme ")]
    [InlineData("Acme Corporation", "acme corporation", "acme ")]
    [InlineData("Bücher GmbH", "bucher gmbh", "buche")]
    [InlineData("BÜCHER", "bucher", "buche")]
    [InlineData("株式会社", "株式会社", "株式会社")]
    [InlineData("株式会社トヨタ", "株式会社トヨタ", "株式会社ト")]
    [InlineData("  Acme   Corp  ", "acme corp", "acme ")]
    [InlineData("\tAcme\nCorp\r\n", "acme corp", "acme ")]
    [InlineData("A.C.M.E.", "a c m e", "a c m")]
    [InlineData("IBM", "ibm", "ibm")]
    [InlineData("3M", "3m", "3m")]
    [InlineData("Ｆｕｌｌｗｉｄｔｈ", "fullwidth", "fullw")]
    [InlineData("ﬁnance", "finance", "finan")]
    [InlineData("Ærø", "ærø", "ærø")]
    [InlineData("Straße", "straße", "straß")]
    [InlineData("---", "", "")]
    [InlineData("   ", "", "")]
    [InlineData("", "", "")]
    [InlineData("!!!???", "", "")]
    [InlineData("😀 Emoji Co", "emoji co", "emoji")]
    public void Normalize_and_Key_follow_the_spec(string name, string normalized, string key)
    {
        Assert.Equal(normalized, CompanyName.Normalize(name));
        Assert.Equal(key, CompanyName.Key(name));
    }

    [Fact]
    public void Key_never_splits_a_surrogate_pair()
    {
        var key = CompanyName.Key("𝐀𝐁𝐂𝐃𝐄𝐅 Math");
        Assert.Equal("abcde", key);
    }

    [Theory]
    [InlineData("Telefónica S.A.", "TELEFONICA", true)]
    [InlineData("ACME, Inc.", "Acme Corporation", true)]
    [InlineData("IBM", "IBM Corp", false)]
    [InlineData("IBM", "i.b.m", false)]
    [InlineData("IBM", "ibm", true)]
    [InlineData("Acme", "Acmeo", false)]
    [InlineData("---", "---", false)]
    public void Keys_match_only_when_equal_and_not_empty(string a, string b, bool match) =>
        Assert.Equal(match, MatchingRules.NameKeysMatch(CompanyName.Key(a), CompanyName.Key(b)));
}
