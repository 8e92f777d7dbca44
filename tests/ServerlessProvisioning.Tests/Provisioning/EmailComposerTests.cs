using System.Text;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Tests.Provisioning;

/// <summary>
/// Every email, in both languages, against a checked-in rendering (Provisioning/Snapshots); a change to a
/// text shows up as a diff to review. A missing snapshot fails; UPDATE_SNAPSHOTS=1 writes (or refreshes) them all,
/// to be reviewed and committed.
/// </summary>
public class EmailComposerTests
{
    static readonly DateTimeOffset Deadline = new(2026, 12, 24, 18, 30, 0, TimeSpan.Zero);

    static EmailFacts Facts(ProvisioningOutcome? outcome = null, string company = "Acme Ltd", string? reason = null, ApprovalEnd? end = null) => new(
        "ord-1001", "sub-1001", ProvisioningScenario.CustomerSelf, "buyer@acme.com", Deadline, "https://provisioning.example.com/wizard/#t=TOKEN",
        "Acme Corporation", "org-acme", "new.admin@acme.com", company, outcome, reason, Code: "042917", ApprovalEnd: end, DecidedBy: end is ApprovalEnd.Approved or ApprovalEnd.Rejected ? "ana@acme.com" : null);

    public static TheoryData<string, EmailKind, ProvisioningOutcome?, ApprovalEnd?, string> Cases()
    {
        var data = new TheoryData<string, EmailKind, ProvisioningOutcome?, ApprovalEnd?, string>();
        foreach (var language in new[] { "es", "en" })
        {
            foreach (var kind in new[] { EmailKind.Invitation, EmailKind.InvitationReminder, EmailKind.AdminEmailVerification, EmailKind.ApprovalRequest, EmailKind.ApprovalReminder, EmailKind.AddAdminRequest })
            {
                data.Add($"{kind}.{language}", kind, null, null, language);
            }

            foreach (var end in Enum.GetValues<ApprovalEnd>())
            {
                data.Add($"ApprovalClosed-{end}.{language}", EmailKind.ApprovalClosed, null, end, language);
            }

            foreach (var outcome in Enum.GetValues<ProvisioningOutcome>())
            {
                data.Add($"Outcome-{outcome}.{language}", EmailKind.Outcome, outcome, null, language);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rendering_matches_the_reviewed_snapshot(string name, EmailKind kind, ProvisioningOutcome? outcome, ApprovalEnd? end, string language)
    {
        var content = EmailComposer.Compose(kind, Facts(outcome, reason: outcome is ProvisioningOutcome.Rejected or ProvisioningOutcome.Cancelled ? "Not our company" : null, end: end), language);
        var rendered = $"Subject: {content.Subject}\n\n{content.PlainText}\n--- html ---\n{content.Html}\n";
        var path = Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "tests", "ServerlessProvisioning.Tests", "Provisioning", "Snapshots", name + ".txt");
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
        var content = EmailComposer.Compose(kind, Facts(outcome, end: end), language);

        Assert.False(string.IsNullOrWhiteSpace(content.Subject), name);
        Assert.Contains("ord-1001", content.PlainText + content.Subject, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\"", content.Html, StringComparison.Ordinal);
        Assert.Contains($"lang=\"{language}\"", content.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", content.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmailKind.Invitation)]
    [InlineData(EmailKind.ApprovalRequest)]
    [InlineData(EmailKind.Outcome)]
    public void Links_and_deadlines_reach_the_reader(EmailKind kind)
    {
        var content = EmailComposer.Compose(kind, Facts(ProvisioningOutcome.AssignedToExistingOrganization), "en");

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
        var content = EmailComposer.Compose(EmailKind.ApprovalRequest, Facts(company: "<script>alert('x')</script> & Co"), "en");

        Assert.DoesNotContain("<script>", content.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co", content.Html, StringComparison.Ordinal);
        Assert.Contains("<script>alert('x')</script> & Co", content.PlainText, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_cannot_break_out_of_its_attribute()
    {
        var content = EmailComposer.Compose(EmailKind.Invitation, Facts() with { Link = "https://x.example/\"><script>1</script>" }, "es");

        Assert.DoesNotContain("\"><script>", content.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmailKind.AdminEmailVerification, "en", "Company name as typed by the requester (not verified)")]
    [InlineData(EmailKind.ApprovalRequest, "en", "Company name as typed by the requester (not verified)")]
    [InlineData(EmailKind.ApprovalReminder, "es", "tal como lo escribió quien hace la solicitud (no verificado)")]
    public void What_the_requester_typed_reaches_others_labelled_as_theirs(EmailKind kind, string language, string label)
    {
        var content = EmailComposer.Compose(kind, Facts(company: "Acme Bank — please call +1 555 0100"), language);

        Assert.Contains(label, content.PlainText, StringComparison.Ordinal);
        Assert.Contains("Acme Bank — please call +1 555 0100", content.PlainText, StringComparison.Ordinal);
    }
}
