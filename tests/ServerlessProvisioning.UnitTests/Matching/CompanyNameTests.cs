using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.UnitTests.Matching;

public class CompanyNameTests
{
    [Theory]
    [InlineData("Telefónica S.A.", "telefonica s a", "telef")]
    [InlineData("TELEFONICA", "telefonica", "telef")]
    [InlineData("ACME, Inc.", "acme inc", "acme ")]
    [InlineData("Acme Corporation", "acme corporation", "acme ")]
    [InlineData("Bücher GmbH", "bucher gmbh", "buche")]
    [InlineData("BÜCHER", "bucher", "buche")]
    [InlineData("株式会社", "株式会社", "株式会社 ")]
    [InlineData("株式会社トヨタ", "株式会社トヨタ", "株式会社ト")]
    [InlineData("  Acme   Corp  ", "acme corp", "acme ")]
    [InlineData("\tAcme\nCorp\r\n", "acme corp", "acme ")]
    [InlineData("A.C.M.E.", "a c m e", "a c m")]
    [InlineData("IBM", "ibm", "ibm ")]
    [InlineData("Acme", "acme", "acme ")]
    [InlineData("HP", "hp", "hp ")]
    [InlineData("3M", "3m", "3m ")]
    [InlineData("Ｆｕｌｌｗｉｄｔｈ", "fullwidth", "fullw")]
    [InlineData("ﬁnance", "finance", "finan")]
    [InlineData("Ærø", "ærø", "ærø ")]
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
    [InlineData("Acme", "Acme Corporation", true)]
    [InlineData("Acme", "Acmé Old Account", true)]
    [InlineData("Acme", "Acmeware", false)]
    [InlineData("Acme", "Acmeo", false)]
    [InlineData("HP", "HP Inc", true)]
    [InlineData("HP", "HPE", false)]
    [InlineData("HP", "H.P.", false)]
    [InlineData("IBM", "IBM Corp", true)]
    [InlineData("IBM", "ibm", true)]
    [InlineData("IBM", "i.b.m", false)]
    [InlineData("IBM Corp", "IBM", false)]
    [InlineData("株式会社", "株式会社トヨタ", false)]
    [InlineData("株式会社", "株式会社 トヨタ", true)]
    [InlineData("---", "---", false)]
    public void An_entered_key_matches_an_equal_key_and_a_short_one_every_key_it_starts(string entered, string organization, bool match) =>
        Assert.Equal(match, MatchingRules.NameKeysMatch(CompanyName.Key(entered), CompanyName.Key(organization)));
}
