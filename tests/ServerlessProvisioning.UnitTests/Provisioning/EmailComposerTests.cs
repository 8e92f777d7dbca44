using System.Text;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.UnitTests.Provisioning;

/// <summary>
/// Every email, in both languages, against a checked-in rendering (Provisioning/Snapshots); a change to a
/// text shows up as a diff to review. A missing snapshot fails; UPDATE_SNAPSHOTS=1 writes (or refreshes) them all,
/// to be reviewed and committed.
/// </summary>
public class EmailComposerTests
{
    static readonly DateTimeOffset Deadline = new(2026, 12, 24, 18, 30, 0, TimeSpan.Zero);

    const string Link = "https://provisioning.example.com/wizard/#t=TOKEN";

    // The same order, people and link for every kind, so a snapshot differs only by what its kind says.
    static EmailFacts Facts(EmailKind kind, ProvisioningOutcome? outcome = null, string company = "Acme Ltd", string? reason = null, ApprovalEnd? end = null) => kind switch
    {
        EmailKind.Invitation or EmailKind.InvitationReminder => new InvitationEmail("ord-1001", "sub-1001", Deadline, Link, kind == EmailKind.InvitationReminder),
        EmailKind.AdminEmailVerification => new VerificationCodeEmail("ord-1001", "sub-1001", "buyer@acme.com", "042917", Deadline),
        EmailKind.ApprovalRequest or EmailKind.ApprovalReminder => new ApprovalRequestEmail("ord-1001", "sub-1001", "buyer@acme.com", company, "Acme Corporation", "new.admin@acme.com", Deadline, Link, kind == EmailKind.ApprovalReminder),
        EmailKind.ApprovalClosed => new ApprovalClosedEmail("ord-1001", "sub-1001", "Acme Corporation", "new.admin@acme.com", end ?? ApprovalEnd.Expired, end is ApprovalEnd.Approved or ApprovalEnd.Rejected ? "ana@acme.com" : null),
        EmailKind.AddAdminRequest => new AddAdminRequestEmail("ord-1001", "sub-1001", "Acme Corporation", "new.admin@acme.com", Link, Deadline),
        EmailKind.AssignmentNotice => new AssignmentNoticeEmail("ord-1001", "sub-1001", "Acme Corporation", "ana@acme.com", "buyer@acme.com"),
        EmailKind.InvitationRedirected => new InvitationRedirectedEmail("ord-1001", "sub-1001"),
        EmailKind.AdminAdditionDecided => new AdminAdditionDecidedEmail("ord-1001", "sub-1001", "Acme Corporation", "new.admin@acme.com", end == ApprovalEnd.Approved, end == ApprovalEnd.Approved ? null : "Not someone we know"),
        EmailKind.RequestClosed => new RequestClosedEmail("ord-1001", "sub-1001", "Acme Corporation", "new.admin@acme.com", Deadline, Link),
        _ => new OutcomeEmail("ord-1001", "sub-1001", outcome, "Acme Corporation", "new.admin@acme.com", reason, outcome is null ? null : Link),
    };

    public static TheoryData<string, EmailKind, ProvisioningOutcome?, ApprovalEnd?, string> Cases()
    {
        var data = new TheoryData<string, EmailKind, ProvisioningOutcome?, ApprovalEnd?, string>();
        foreach (var language in new[] { "es", "en" })
        {
            foreach (var kind in new[] { EmailKind.Invitation, EmailKind.InvitationReminder, EmailKind.AdminEmailVerification, EmailKind.ApprovalRequest, EmailKind.ApprovalReminder, EmailKind.AddAdminRequest, EmailKind.RequestClosed, EmailKind.AssignmentNotice, EmailKind.InvitationRedirected })
            {
                data.Add($"{kind}.{language}", kind, null, null, language);
            }

            foreach (var end in Enum.GetValues<ApprovalEnd>())
            {
                data.Add($"ApprovalClosed-{end}.{language}", EmailKind.ApprovalClosed, null, end, language);
            }

            foreach (var end in new[] { ApprovalEnd.Approved, ApprovalEnd.Rejected })
            {
                data.Add($"AdminAdditionDecided-{end}.{language}", EmailKind.AdminAdditionDecided, null, end, language);
            }

            foreach (var outcome in Enum.GetValues<ProvisioningOutcome>())
            {
                data.Add($"Outcome-{outcome}.{language}", EmailKind.Outcome, outcome, null, language);
            }

            // A step failed beyond its retries: the order has no outcome, and the contact is told all the same.
            data.Add($"Outcome-Failed.{language}", EmailKind.Outcome, null, null, language);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rendering_matches_the_reviewed_snapshot(string name, EmailKind kind, ProvisioningOutcome? outcome, ApprovalEnd? end, string language)
    {
        var content = EmailComposer.Compose(Facts(kind, outcome, reason: outcome is ProvisioningOutcome.Rejected or ProvisioningOutcome.Cancelled ? "Not our company" : null, end: end), language);
        var rendered = $"Subject: {content.Subject}\n\n{content.PlainText}\n--- html ---\n{content.Html}\n";
        var path = Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "tests", "ServerlessProvisioning.UnitTests", "Provisioning", "Snapshots", name + ".txt");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, rendered, new UTF8Encoding(false));
        }

        Assert.True(File.Exists(path), $"No reviewed snapshot {path}: run with UPDATE_SNAPSHOTS=1 to write it, then review and commit it.");
        Assert.Equal(File.ReadAllText(path), rendered);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_email_has_a_subject_text_and_a_phone_friendly_html(string name, EmailKind kind, ProvisioningOutcome? outcome, ApprovalEnd? end, string language)
    {
        var content = EmailComposer.Compose(Facts(kind, outcome, end: end), language);

        Assert.False(string.IsNullOrWhiteSpace(content.Subject), name);
        Assert.Contains("ord-1001", content.PlainText + content.Subject, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\"", content.Html, StringComparison.Ordinal);
        Assert.Contains($"lang=\"{language}\"", content.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", content.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmailKind.Invitation)]
    [InlineData(EmailKind.ApprovalRequest)]
    [InlineData(EmailKind.AddAdminRequest)]
    [InlineData(EmailKind.Outcome)]
    public void Links_and_deadlines_reach_the_reader(EmailKind kind)
    {
        var content = EmailComposer.Compose(Facts(kind, ProvisioningOutcome.AssignedToExistingOrganization), "en");

        Assert.Contains("https://provisioning.example.com/wizard/#t=TOKEN", content.PlainText, StringComparison.Ordinal);
        Assert.Contains("href=\"https://provisioning.example.com/wizard/#t=TOKEN\"", content.Html, StringComparison.Ordinal);
        if (kind != EmailKind.Outcome)
        {
            Assert.Contains("24 December 2026", content.PlainText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_script_company_name_is_escaped_in_html()
    {
        var content = EmailComposer.Compose(Facts(EmailKind.ApprovalRequest, company: "<script>alert('x')</script> & Co"), "en");

        Assert.DoesNotContain("<script>", content.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co", content.Html, StringComparison.Ordinal);
        Assert.Contains("<script>alert('x')</script> & Co", content.PlainText, StringComparison.Ordinal);
    }

    [Fact]
    public void An_add_admin_request_queued_before_links_existed_still_reads_without_one()
    {
        var content = EmailComposer.Compose(new AddAdminRequestEmail("ord-1001", "sub-1001", "Acme Corporation", "new.admin@acme.com"), "en");

        Assert.Contains("in your organization's administration", content.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("href=", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void An_admins_comment_reaches_the_contact_encoded()
    {
        var content = EmailComposer.Compose(new AdminAdditionDecidedEmail("ord-1001", "sub-1001", "Acme Corporation", "new.admin@acme.com", false, "<b>no</b>"), "en");

        Assert.DoesNotContain("<b>no</b>", content.Html, StringComparison.Ordinal);
        Assert.Contains("Their comment: <b>no</b>", content.PlainText, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_cannot_break_out_of_its_attribute()
    {
        var content = EmailComposer.Compose((InvitationEmail)Facts(EmailKind.Invitation) with { Link = "https://x.example/\"><script>1</script>" }, "es");

        Assert.DoesNotContain("\"><script>", content.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmailKind.ApprovalRequest, "en", "Company name as typed by the requester (not verified)")]
    [InlineData(EmailKind.ApprovalReminder, "es", "tal como lo escribió quien hace la solicitud (no verificado)")]
    public void What_the_requester_typed_reaches_others_labelled_as_theirs(EmailKind kind, string language, string label)
    {
        var content = EmailComposer.Compose(Facts(kind, company: "Acme Bank — please call +1 555 0100"), language);

        Assert.Contains(label, content.PlainText, StringComparison.Ordinal);
        Assert.Contains("Acme Bank — please call +1 555 0100", content.PlainText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("es")]
    [InlineData("en")]
    public void The_code_email_to_a_typed_address_carries_nothing_the_requester_typed(string language)
    {
        var content = EmailComposer.Compose(new VerificationCodeEmail("ord-1001", "sub-1001", "buyer@acme.com", "042917", Deadline), language);

        Assert.Contains("042917", content.Subject, StringComparison.Ordinal);
        Assert.Contains("buyer@acme.com", content.PlainText, StringComparison.Ordinal);
        Assert.Contains("ord-1001", content.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("«", content.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("“", content.PlainText, StringComparison.Ordinal);
    }
}
