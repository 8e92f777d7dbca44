using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// The loops a link holder drives are capped, and a decision counts only from a current full administrator: over
/// HTTP, on the local host with the real workflow and Azurite.
/// </summary>
public class BoundedLoopsTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    static async Task<string?> ReasonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
    }

    [Fact]
    public async Task A_sixth_code_is_refused_with_429_and_the_contacts_own_address_still_works()
    {
        // Arrange: five submissions, each with another address that needs a code.
        var orderId = NewId("codes");
        var token = await host.InviteAsync(orderId);
        for (var i = 1; i <= OrderLimits.CodesPerInvitation; i++)
        {
            using var sent = await Server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = "Contoso", adminEmail = $"stranger{i}@contoso.com" });
            Assert.True(sent.IsSuccessStatusCode, $"submission {i}: {sent.StatusCode}");
            await Server.WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.AdminEmailVerification) == i, $"code {i}");
            await Eventually.WaitAsync(async () => await host.WizardAsync(token), s => s.CodesLeft == OrderLimits.CodesPerInvitation - i, TimeSpan.FromSeconds(30), $"code {i} counted");
        }

        // Act
        using var sixth = await Server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = "Contoso", adminEmail = "stranger6@contoso.com" });
        using var own = await Server.SubmitAsync(token, new { companyName = "Acme", adminEmail = "buyer@acme.com" });

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Equal("tooManyCodes", await ReasonAsync(sixth));
        Assert.True(own.IsSuccessStatusCode, $"the contact's own address: {own.StatusCode}");
        var mail = await Server.MailAsync(orderId);
        Assert.Equal(OrderLimits.CodesPerInvitation, mail.Count(m => m.Kind == EmailKind.AdminEmailVerification));
        Assert.DoesNotContain(mail, m => m.To == "stranger6@contoso.com");
        Assert.All(mail.Where(m => m.Kind == EmailKind.AdminEmailVerification), m => Assert.DoesNotContain("Contoso", m.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Submissions_past_the_invitations_cap_answer_429_so_the_history_stays_bounded()
    {
        // Arrange: every submission the invitation may take, with the contact's own address (no code needed).
        var orderId = NewId("subs");
        var token = await host.InviteAsync(orderId);
        for (var i = 1; i <= OrderLimits.SubmissionsPerInvitation; i++)
        {
            using var sent = await Server.SubmitAsync(token, new { companyName = $"Acme {i}", adminEmail = "buyer@acme.com" });
            Assert.True(sent.IsSuccessStatusCode, $"submission {i}: {sent.StatusCode}");
            await Eventually.WaitAsync(async () => await host.WizardAsync(token), s => s.SubmissionsLeft == OrderLimits.SubmissionsPerInvitation - i && s.Stage == ProvisioningStage.AwaitingOrganizationChoice, TimeSpan.FromSeconds(30), $"submission {i} taken");
        }

        // Act
        using var more = await Server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = "Acme again", adminEmail = "buyer@acme.com" });

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, more.StatusCode);
        Assert.Equal("tooManySubmissions", await ReasonAsync(more));
        Assert.Equal(0, (await host.WizardAsync(token)).SubmissionsLeft);
    }

    [Fact]
    public async Task An_approver_removed_from_the_organization_gets_410_noLongerAdmin_and_the_order_keeps_waiting()
    {
        // Arrange: an organization of the test's own with two full admins; the request goes to both.
        var orderId = NewId("stale");
        var word = "Zeb" + Guid.NewGuid().ToString("N")[..6];
        var domain = word.ToLowerInvariant() + ".example";
        var organizationId = $"org-{word.ToLowerInvariant()}";
        object Organization(params string[] admins) => new
        {
            name = $"{word} Ltd",
            type = "Customer",
            createdAt = "2020-01-01T00:00:00Z",
            users = admins.Select(a => new { email = a, roles = new[] { "FullAdmin" } }).Append(new { email = $"member@{domain}", roles = Array.Empty<string>() }),
        };
        using (var put = await OperatorPutAsync($"/api/organizations/{organizationId}", Organization($"one@{domain}", $"two@{domain}")))
        {
            Assert.True(put.IsSuccessStatusCode, $"PUT: {put.StatusCode}");
        }

        var token = await host.InviteAsync(orderId);
        using (var submitted = await Server.SubmitAsync(token, new { companyName = word, adminEmail = $"new@{domain}" }))
        {
            Assert.True(submitted.IsSuccessStatusCode);
        }

        using (var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId }))
        {
            Assert.True(chosen.IsSuccessStatusCode);
        }

        var requests = await Server.WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.ApprovalRequest) == 2, "two approval requests");
        var removed = requests.Single(m => m.Kind == EmailKind.ApprovalRequest && m.To == $"one@{domain}");

        // Act: "one" is no longer an administrator.
        using (var put = await OperatorPutAsync($"/api/organizations/{organizationId}", Organization($"two@{domain}")))
        {
            Assert.True(put.IsSuccessStatusCode, $"PUT: {put.StatusCode}");
        }

        using var opened = await Server.Http.GetAsync($"/api/approvals/{removed.ApprovalToken}");
        using var decided = await Server.PostJsonAsync($"/api/approvals/{removed.ApprovalToken}", new { decision = "approve" });

        // Assert
        Assert.Equal(HttpStatusCode.Gone, opened.StatusCode);
        Assert.Equal("noLongerAdmin", await ReasonAsync(opened));
        Assert.Equal(HttpStatusCode.Gone, decided.StatusCode);
        Assert.Equal("noLongerAdmin", await ReasonAsync(decided));
        var state = await host.WizardAsync(token);
        Assert.Equal((ProvisioningStage.AwaitingAdminApproval, (ApprovalEnd?)null), (state.Stage, state.Approval!.Decision));
    }

    [Fact]
    public async Task A_pending_approval_follows_the_directory_added_admins_are_asked_and_a_deleted_organization_closes_it()
    {
        // Arrange: a request to the two full admins of an organization of the test's own.
        var orderId = NewId("follow");
        var word = "Yeb" + Guid.NewGuid().ToString("N")[..6];
        var domain = word.ToLowerInvariant() + ".example";
        var organizationId = $"org-{word.ToLowerInvariant()}";
        object Organization(params string[] admins) => new
        {
            id = organizationId,
            name = $"{word} Ltd",
            type = "Customer",
            createdAt = "2020-01-01T00:00:00Z",
            users = admins.Select(a => new { email = a, roles = new[] { "FullAdmin" } }).Append(new { email = $"member@{domain}", roles = Array.Empty<string>() }),
        };
        using (var put = await OperatorPutAsync($"/api/organizations/{organizationId}", Organization($"one@{domain}", $"two@{domain}")))
        {
            Assert.True(put.IsSuccessStatusCode, $"PUT: {put.StatusCode}");
        }

        var token = await host.InviteAsync(orderId);
        using (var submitted = await Server.SubmitAsync(token, new { companyName = word, adminEmail = $"new@{domain}" }))
        {
            Assert.True(submitted.IsSuccessStatusCode);
        }

        using (var chosen = await Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId }))
        {
            Assert.True(chosen.IsSuccessStatusCode);
        }

        var requests = await Server.WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.ApprovalRequest) == 2, "two approval requests");
        var one = requests.Single(m => m.Kind == EmailKind.ApprovalRequest && m.To == $"one@{domain}");
        var two = requests.Single(m => m.Kind == EmailKind.ApprovalRequest && m.To == $"two@{domain}");

        // Act 1: an import replaces the organization: "one" is gone, "three" is a full admin now.
        using (var import = new HttpRequestMessage(HttpMethod.Post, "/api/organizations/import"))
        {
            import.Content = new StringContent(JsonSerializer.Serialize(Organization($"two@{domain}", $"three@{domain}"), Json.Options) + "\n", System.Text.Encoding.UTF8, "application/x-ndjson");
            import.Headers.Add("x-functions-key", LocalHost.OperatorKey);
            using var imported = await Server.Http.SendAsync(import);
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }

        // Assert 1: "three" is asked in the same round (nobody else again); "one" cannot decide; the order still waits.
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.ApprovalRequest && x.To == $"three@{domain}"), "the added admin's request");
        Assert.Equal(3, mail.Count(m => m.Kind == EmailKind.ApprovalRequest));
        var three = mail.Single(m => m.Kind == EmailKind.ApprovalRequest && m.To == $"three@{domain}");
        using (var opened = await Server.Http.GetAsync($"/api/approvals/{three.ApprovalToken}"))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        using (var removed = await Server.Http.GetAsync($"/api/approvals/{one.ApprovalToken}"))
        {
            Assert.Equal("noLongerAdmin", await ReasonAsync(removed));
        }

        var waiting = await host.WizardAsync(token);
        Assert.Equal(ProvisioningStage.AwaitingAdminApproval, waiting.Stage);
        using (var view = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{orderId}"))
        {
            view.Headers.Add("x-functions-key", LocalHost.OperatorKey);
            using var order = await Server.Http.SendAsync(view);
            using var json = JsonDocument.Parse(await order.Content.ReadAsStringAsync());
            Assert.Equal([$"three@{domain}", $"two@{domain}"], json.RootElement.GetProperty("approval").GetProperty("approvers").EnumerateArray().Select(a => a.GetString()).Order());
        }

        // Act 2: the organization is deleted.
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/organizations/{organizationId}"))
        {
            delete.Headers.Add("x-functions-key", LocalHost.OperatorKey);
            using var deleted = await Server.Http.SendAsync(delete);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // Assert 2: the request closes, the approvers and the contact are told, and the contact chooses again without it.
        var closing = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.RequestClosed), "the contact told");
        Assert.Equal([$"three@{domain}", $"two@{domain}"], closing.Where(m => m.Kind == EmailKind.ApprovalClosed).Select(m => m.To).Order());
        Assert.Equal("buyer@acme.com", closing.Single(m => m.Kind == EmailKind.RequestClosed).To);
        var state = await Eventually.WaitAsync(() => host.WizardAsync(token), s => s.Stage == ProvisioningStage.AwaitingOrganizationChoice, TimeSpan.FromSeconds(30), "back at the choice");
        Assert.Equal((ApprovalEnd?)ApprovalEnd.Closed, state.Approval!.Decision);
        Assert.DoesNotContain(state.Candidates ?? [], c => c.OrganizationId == organizationId);
        using (var closed = await Server.Http.GetAsync($"/api/approvals/{two.ApprovalToken}"))
        {
            Assert.Equal(HttpStatusCode.Gone, closed.StatusCode);
            Assert.Equal("closed", await ReasonAsync(closed));
        }
    }

    [Fact]
    public async Task An_operator_resend_takes_effect_on_its_first_try_while_the_old_link_submits_in_a_loop()
    {
        // Arrange: the old link's holder resubmits as fast as the API answers (the contact's own address: no code).
        var orderId = NewId("starve");
        var token = await host.InviteAsync(orderId);
        using var stop = new CancellationTokenSource();
        var submissions = 0;
        var loop = Task.Run(async () =>
        {
            for (var i = 0; i < 400 && !stop.IsCancellationRequested; i++)
            {
                using var sent = await Server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = $"Acme {i}", adminEmail = "buyer@acme.com" });
                Interlocked.Increment(ref submissions);
                if (sent.StatusCode == HttpStatusCode.Gone)
                {
                    return;
                }
            }
        });
        await Eventually.WaitAsync(() => Task.FromResult(Volatile.Read(ref submissions)), n => n >= 3, TimeSpan.FromSeconds(60), "the loop under way");

        // Act: one resend, to a colleague.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/invitation") { Content = JsonContent.Create(new { provisioningContactEmail = "colleague@acme.com" }, options: Json.Options) };
        request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
        using var resent = await Server.Http.SendAsync(request);

        // Assert: taken at once, and it takes effect: the colleague is invited and the old link dies.
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        // The workflow takes the resend at its next wait, behind the submissions already queued (each a match on this
        // shared machine): a deadline of two minutes, not one, keeps a loaded full run from calling that a failure.
        var mail = await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.Invitation && x.To == "colleague@acme.com"), "the colleague's invitation", TimeSpan.FromSeconds(120));
        Assert.Equal(2, mail.Count(m => m.Kind == EmailKind.Invitation));
        await loop.WaitAsync(TimeSpan.FromSeconds(120));
        await stop.CancelAsync();
        using var old = await Server.Http.GetAsync($"/api/wizard/{token}");
        Assert.Equal(HttpStatusCode.Gone, old.StatusCode);
    }

    async Task<HttpResponseMessage> OperatorPutAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body, options: Json.Options) };
        request.Headers.Add("x-functions-key", LocalHost.OperatorKey);
        return await Server.Http.SendAsync(request);
    }
}
