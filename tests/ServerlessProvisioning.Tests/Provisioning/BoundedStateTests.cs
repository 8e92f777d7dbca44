using System.Text;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;

namespace ServerlessProvisioning.Tests.Provisioning;

/// <summary>
/// What an order carries stays bounded whatever the directory holds, on the real engine and Azurite: a company with
/// fifty country organizations, and one organization with four hundred full administrators, at the longest names
/// and addresses the directory accepts.
/// </summary>
public class BoundedStateTests(WorkflowFixture f) : IClassFixture<WorkflowFixture>
{
    const int StatusLimit = 16 * 1024;
    const int WizardStateLimit = 64 * 1024;

    // A company word of its own per test, so other tests' organizations never match.
    static string Word() => "Q" + Guid.NewGuid().ToString("N")[..7];

    // Names at the directory's limit, in characters that take three bytes each in UTF-8.
    static string LongName(string name) => (name + " " + new string('株', 200))[..200];

    // Addresses at the limit: a 64-character local part at a domain of the test's own, padded to 254 characters.
    static List<OrganizationUser> Admins(string domain, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new OrganizationUser($"{new string('a', 60)}{i:000}@{domain}", LongName($"Administrator {i}"), [UserRole.FullAdmin]))];

    static string LongDomain(string word)
    {
        var label = new string('d', 60);
        var domain = $"{label}.{label}.{label}.{word.ToLowerInvariant()}.example";
        return domain[^Math.Min(domain.Length, 254 - 65)..].TrimStart('.', '-');
    }

    async Task PutAsync(string id, string name, IReadOnlyList<OrganizationUser> users) =>
        await f.Organizations.PutAsync(new Organization(id, name, OrganizationType.Customer, DateTimeOffset.UtcNow.AddYears(-2), users, [new OrganizationSubscription(id + "-s1", SubscriptionStatus.Active)]), null, CancellationToken.None);

    [Fact]
    public async Task Fifty_matching_organizations_list_at_most_25_and_the_status_stays_under_16_KB()
    {
        // Arrange: one company's fifty country organizations, five full admins each, at the name limit.
        var word = Word();
        var domain = LongDomain(word);
        for (var i = 0; i < 50; i++)
        {
            await PutAsync($"org-{word}-{i:00}", LongName($"{word} Division {i:00}"), Admins(domain, 5));
        }

        var id = await f.StartAsync(WorkflowFixture.Order());
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);

        // Act
        await f.SubmitAsync(id, invited, word, $"new.admin@{domain}");
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);

        // Assert
        var raw = await f.RawStatusAsync(id);
        Assert.True(Encoding.UTF8.GetByteCount(raw!) < StatusLimit, $"custom status of {Encoding.UTF8.GetByteCount(raw!)} bytes");
        Assert.Equal(50, choosing.CandidateIds!.Count + choosing.OmittedCandidates);
        Assert.InRange(choosing.CandidateIds.Count, 5, 25);
        Assert.Equal(choosing.CandidateIds, choosing.Candidates!.Select(c => c.OrganizationId));
        Assert.All(choosing.Candidates!, c => Assert.Equal((5, 5), (c.FullAdmins.Count, c.FullAdminCount)));
        var wizard = Json.Serialize(WizardState.Of(choosing, FreeMailDomains.Default));
        TestContext.Current.TestOutputHelper?.WriteLine($"custom status {Encoding.UTF8.GetByteCount(raw!)} bytes, wizard state {Encoding.UTF8.GetByteCount(wizard)} bytes");
        Assert.True(Encoding.UTF8.GetByteCount(wizard) < WizardStateLimit, $"wizard state of {Encoding.UTF8.GetByteCount(wizard)} bytes");
    }

    [Fact]
    public async Task An_organization_of_400_full_admins_lists_5_and_asks_10_for_approval()
    {
        // Arrange
        var word = Word();
        var domain = LongDomain(word);
        var org = $"org-{word}-big";
        await PutAsync(org, LongName($"{word} Holdings"), Admins(domain, 400));
        var order = WorkflowFixture.Order();
        var id = await f.StartAsync(order);
        var invited = await f.WaitForStageAsync(id, ProvisioningStage.InvitationSent);
        await f.SubmitAsync(id, invited, word, $"new.admin@{domain}");
        var choosing = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingOrganizationChoice);
        var candidate = Assert.Single(choosing.Candidates!);
        Assert.Equal((5, 400), (candidate.FullAdmins.Count, candidate.FullAdminCount));

        // Act
        await f.ChooseAsync(id, choosing, org);
        var waiting = await f.WaitForStageAsync(id, ProvisioningStage.AwaitingAdminApproval);

        // Assert
        Assert.Equal(OrderLimits.ApproversPerRequest, waiting.Approval!.Approvers.Count);
        var raw = await f.RawStatusAsync(id);
        Assert.True(Encoding.UTF8.GetByteCount(raw!) < StatusLimit, $"custom status of {Encoding.UTF8.GetByteCount(raw!)} bytes");
        var requests = await f.WaitForMailAsync(order.OrderId, m => m.Count(e => e.Kind == EmailKind.ApprovalRequest) >= 10, "ten approval requests");
        Assert.Equal(10, requests.Count(e => e.Kind == EmailKind.ApprovalRequest));
    }
}
