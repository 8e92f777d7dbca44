using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.UnitTests.Matching;

public class AdminAddressDisclosureTests
{
    static Candidate Candidate(params AdminContact[] admins) => new(
        "org-1", "Small Firm", OrganizationType.Customer, DateTimeOffset.UnixEpoch, 1, 3, admins,
        UsageAssessment.InUse, [], [MatchReason.NamePrefix], admins.Length);

    [Theory]
    [InlineData("ana@acme.com", "new.admin@acme.com", true)]
    [InlineData("ana@acme.com", "New.Admin@ACME.com", true)]
    [InlineData("chef@xn--bcher-kva.de", "neu@Bücher.de", true)]
    [InlineData("ana@acme.com", "someone@globex.com", false)]
    [InlineData("ana@sub.acme.com", "someone@acme.com", false)]
    [InlineData("sam@gmail.com", "stranger@gmail.com", false)]
    [InlineData("sam@gmail.com", "stranger@GMAIL.COM", false)]
    [InlineData("sam@gmail.com", "Sam@Gmail.com", true)]
    [InlineData("ana@acme.com", null, false)]
    [InlineData("ana@acme.com", "not-an-address", false)]
    public void ShowsWhole_only_at_the_proven_admins_own_domain_when_it_is_not_free_mail(string admin, string? proven, bool whole)
    {
        Assert.Equal(whole, AdminAddressDisclosure.ShowsWhole(admin, proven, FreeMailDomains.Default));
    }

    [Theory]
    [InlineData("sam@gmail.com", "s•••@gmail.com")]
    [InlineData("s@gmail.com", "s•••@gmail.com")]
    [InlineData("ana.ruiz@acme.com", "a•••@acme.com")]
    [InlineData("😀x@acme.com", "😀•••@acme.com")]
    [InlineData("chef@xn--bcher-kva.de", "c•••@xn--bcher-kva.de")]
    [InlineData("nodomain", "n•••")]
    [InlineData("", "•••")]
    public void Mask_keeps_the_first_character_and_the_domain(string email, string masked)
    {
        Assert.Equal(masked, AdminAddressDisclosure.Mask(email));
    }

    [Fact]
    public void ForContact_masks_each_address_it_may_not_show_and_keeps_every_name()
    {
        var candidates = new[] { Candidate(new AdminContact("ana@acme.com", "Ana Ruiz"), new AdminContact("sam@gmail.com", "Sam"), new AdminContact("bo@other.org")) };

        var shown = AdminAddressDisclosure.ForContact(candidates, "new.admin@acme.com", FreeMailDomains.Default)!;

        Assert.Equal(
            [new AdminContact("ana@acme.com", "Ana Ruiz"), new AdminContact("s•••@gmail.com", "Sam"), new AdminContact("b•••@other.org")],
            shown.Single().FullAdmins);
        Assert.Equal(candidates[0] with { FullAdmins = shown[0].FullAdmins }, shown[0]);
    }

    [Fact]
    public void ForContact_masks_everything_for_a_free_mail_admin_even_at_the_same_domain()
    {
        var candidates = new[] { Candidate(new AdminContact("sam@gmail.com", "Sam Small")) };

        var shown = AdminAddressDisclosure.ForContact(candidates, "stranger@gmail.com", FreeMailDomains.Default)!;

        Assert.Equal(new AdminContact("s•••@gmail.com", "Sam Small"), shown.Single().FullAdmins.Single());
    }

    [Fact]
    public void ForContact_follows_the_configured_free_mail_list()
    {
        var candidates = new[] { Candidate(new AdminContact("ana@acme.com")) };

        var shown = AdminAddressDisclosure.ForContact(candidates, "me@acme.com", new FreeMailDomains(["acme.com"]))!;

        Assert.Equal("a•••@acme.com", shown.Single().FullAdmins.Single().Email);
        Assert.Null(AdminAddressDisclosure.ForContact(null, "me@acme.com", FreeMailDomains.Default));
    }
}
