using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.UnitTests.Matching;

public class EmailAddressTests
{
    [Theory]
    [InlineData("ana@acme.com", "ana@acme.com", "acme.com")]
    [InlineData("  Ana.Ruiz@ACME.com ", "ana.ruiz@acme.com", "acme.com")]
    [InlineData("jose@bücher.de", "jose@xn--bcher-kva.de", "xn--bcher-kva.de")]
    [InlineData("info@telefónica.es", "info@xn--telefnica-96a.es", "xn--telefnica-96a.es")]
    [InlineData("Chef@BÜCHER.de", "chef@xn--bcher-kva.de", "xn--bcher-kva.de")]
    [InlineData("user+tag@mail.acme.com", "user+tag@mail.acme.com", "mail.acme.com")]
    [InlineData("o'brien@example.ie", "o'brien@example.ie", "example.ie")]
    [InlineData("josé@example.com", "josé@example.com", "example.com")]
    [InlineData("a@xn--bcher-kva.de", "a@xn--bcher-kva.de", "xn--bcher-kva.de")]
    public void Valid_addresses_are_normalized_and_their_domain_is_ascii(string input, string value, string domain)
    {
        Assert.True(EmailAddress.TryParse(input, out var address, out var error), error);
        Assert.Equal(value, address.Value);
        Assert.Equal(domain, address.Domain);
    }

    [Theory]
    [InlineData("chef@bücher.de", "chef@xn--bcher-kva.de", true)]
    [InlineData("chef@xn--bcher-kva.de", "CHEF@Bücher.DE", true)]
    [InlineData(" Ana@Acme.com ", "ana@acme.com", true)]
    [InlineData("chef@bücher.de", "chef@bucher.de", false)]
    [InlineData("josé@example.com", "jose@example.com", false)]
    public void An_address_is_one_person_whatever_case_or_script_its_domain_is_written_in(string a, string b, bool same)
    {
        Assert.Equal(same, EmailAddress.SamePerson(a, b));
        Assert.Equal(same, EmailAddress.Normalize(a) == EmailAddress.Normalize(b));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("plainaddress")]
    [InlineData("@acme.com")]
    [InlineData("ana@")]
    [InlineData("ana@@acme.com")]
    [InlineData("ana@acme@com.es")]
    [InlineData("ana@acme")]
    [InlineData("ana@acme.com.")]
    [InlineData("ana.@acme.com")]
    [InlineData(".ana@acme.com")]
    [InlineData("an..a@acme.com")]
    [InlineData("\"ana ruiz\"@acme.com")]
    [InlineData("ana ruiz@acme.com")]
    [InlineData("ana@acme..com")]
    [InlineData("ana@-acme.com")]
    [InlineData("ana@acme-.com")]
    [InlineData("ana@acme.123")]
    [InlineData("ana@acme_corp.com")]
    [InlineData("ana\u0000@acme.com")]
    [InlineData("ana@[127.0.0.1]")]
    [InlineData("ana@acme.com/x")]
    [InlineData("<ana@acme.com>")]
    public void Invalid_addresses_are_rejected_with_a_reason(string? input)
    {
        Assert.False(EmailAddress.TryParse(input, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Overlong_addresses_are_rejected()
    {
        Assert.False(EmailAddress.TryParse(new string('a', 60) + "@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".com", out _, out _));
        Assert.False(EmailAddress.TryParse(new string('a', 65) + "@acme.com", out _, out _));
    }

    [Theory]
    [InlineData("Ana@Acme.com", "ana@acme.com")]
    [InlineData(" ana@acme.com\t", "ANA@ACME.COM")]
    public void Equality_is_case_insensitive_on_the_trimmed_address(string a, string b) =>
        Assert.Equal(EmailAddress.Normalize(a), EmailAddress.Normalize(b));

    [Theory]
    [InlineData("a@mail.acme.com", "mail.acme.com")]
    [InlineData("weird\"@\"x@acme.com", "acme.com")]
    [InlineData("nodomain", null)]
    public void Domain_is_after_the_last_at(string address, string? domain) =>
        Assert.Equal(domain, EmailAddress.DomainOf(address));

    [Fact]
    public void Subdomain_is_not_the_parent_domain() =>
        Assert.NotEqual(EmailAddress.DomainOf("a@mail.acme.com"), EmailAddress.DomainOf("b@acme.com"));
}
