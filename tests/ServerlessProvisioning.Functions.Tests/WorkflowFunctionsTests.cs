using Microsoft.Extensions.DependencyInjection;
using Moq;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Provisioning.Activities;

namespace ServerlessProvisioning.Functions.Tests;

/// <summary>The activity triggers with a mocked email port: they call the shared activities with what they get.</summary>
public class WorkflowFunctionsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SendInvitation_sends_one_email_with_the_wizard_link_and_a_stable_idempotency_key()
    {
        var email = new Mock<IEmailSender>();
        var sent = new List<OutgoingEmail>();
        email.Setup(e => e.SendAsync(It.IsAny<OutgoingEmail>(), It.IsAny<CancellationToken>())).Callback<OutgoingEmail, CancellationToken>((m, _) => sent.Add(m)).Returns(Task.CompletedTask);
        var services = await FunctionTestServices.CreateAsync(azurite, email.Object);
        var functions = new WorkflowFunctions(services);
        var request = new InvitationRequest(new MailContext("ord-w1", "order-ord-w1", "sub-w1", ProvisioningScenario.CustomerSelf, "es"), "buyer@acme.com", 1, DateTimeOffset.UtcNow.AddDays(30), IsReminder: false);

        await functions.RunSendInvitation(request, CancellationToken.None);
        await functions.RunSendInvitation(request, CancellationToken.None);

        Assert.Equal(2, sent.Count);
        Assert.Equal(sent[0].IdempotencyKey, sent[1].IdempotencyKey);
        Assert.Equal(sent[0].Links.WizardToken, sent[1].Links.WizardToken);
        Assert.Equal(EmailKind.Invitation, sent[0].Kind);
        Assert.Equal("buyer@acme.com", sent[0].To.Address);
        Assert.StartsWith("https://provisioning.example.com/wizard/#t=", sent[0].Links.Wizard, StringComparison.Ordinal);
        Assert.StartsWith("Aprovisione", sent[0].Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_email_port_fails_the_activity_so_the_retry_policy_can_act()
    {
        var email = new Mock<IEmailSender>();
        email.Setup(e => e.SendAsync(It.IsAny<OutgoingEmail>(), It.IsAny<CancellationToken>())).ThrowsAsync(new HttpRequestException("503"));
        var services = await FunctionTestServices.CreateAsync(azurite, email.Object);
        var functions = new WorkflowFunctions(services);

        await Assert.ThrowsAsync<HttpRequestException>(() => functions.RunSendInvitation(
            new InvitationRequest(new MailContext("ord-w2", "order-ord-w2", "sub-w2", ProvisioningScenario.CustomerSelf, "en"), "buyer@acme.com", 1, DateTimeOffset.UtcNow.AddDays(30), false), CancellationToken.None));
    }
}
