using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.OrderSystem;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Provisioning.Workflow;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// The security fixes on the local host, each tried the way the attack was: a replaced link racing its replacement,
/// order ids that used to share a workflow, admin addresses taken on trust, and answers that said too much.
/// </summary>
public class SecurityContractTests(InProcessHostFixture host, AzuriteFixture azurite) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    async Task<HttpResponseMessage> OperatorPostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json.Options) };
        request.Headers.Add("x-functions-key", DevServerProcess.OperatorKey);
        return await Server.Http.SendAsync(request);
    }

    static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task Principal_headers_a_client_sends_count_for_nothing_without_App_Service_Authentication()
    {
        // The local host, like Core Tools or an app with authentication off, passes every header through.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/api/operator");
        OperatorSignInTests.SignedIn(forged, "ceo@contoso.com", OperatorAccess.Role);

        using var response = await Server.Http.SendAsync(forged);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False((await JsonAsync(response)).TryGetProperty(OperatorAccess.SignInMember, out _));
    }

    [Fact]
    public async Task A_replaced_link_cannot_act_on_the_new_step_however_fast_its_holder_is()
    {
        var orderId = NewId("race");
        var old = await host.InviteAsync(orderId);

        // The old link's holder hammers the order from the moment the operator resends, as the attack did.
        using var resent = await OperatorPostAsync($"/api/orders/{orderId}/invitation", new { provisioningContactEmail = $"new.contact.{orderId}@acme.com" });
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        using var stop = new CancellationTokenSource();
        var answers = new ConcurrentBag<HttpStatusCode>();
        var attacker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var submitted = await Server.PostJsonAsync($"/api/wizard/{old}/submission", new { companyName = "Attacker Ltd", adminEmail = "buyer@acme.com" });
                answers.Add(submitted.StatusCode);
            }
        });
        var mail = await Server.WaitForMailAsync(orderId, m => m.Count(x => x.Kind == EmailKind.Invitation) == 2, "the new invitation");
        var fresh = mail.Last(m => m.Kind == EmailKind.Invitation).WizardToken!;
        await Eventually.WaitAsync(() => Task.FromResult(answers.Count(a => a == HttpStatusCode.Gone)), n => n >= 20, TimeSpan.FromSeconds(30), "the old link refused many times");
        await stop.CancelAsync();
        await attacker;

        Assert.DoesNotContain(answers, a => (int)a is >= 200 and < 300);
        var state = await host.WizardAsync(fresh);
        Assert.Equal(ProvisioningStage.InvitationSent, state.Stage);
        Assert.Null(state.Submission);
        using var gone = await Server.Http.GetAsync($"/api/wizard/{old}");
        Assert.Equal("redirected", (await JsonAsync(gone)).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Order_ids_that_used_to_share_a_workflow_get_one_each()
    {
        // Before the fix "victim:order-1" was hashed to order-h<40 hex> and the plain id h<those 40 hex> mapped there too.
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var victim = $"victim:order-{suffix}";
        var colliding = "h" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(victim)))[..40];

        using var first = await Server.PostOrderAsync(LocalHostFixture.Order(victim));
        using var second = await Server.PostOrderAsync(LocalHostFixture.Order(colliding));
        var a = (await first.Content.ReadFromJsonAsync<OrderAccepted>(Json.Options))!;
        var b = (await second.Content.ReadFromJsonAsync<OrderAccepted>(Json.Options))!;
        await Server.WaitForMailAsync(colliding, m => m.Any(x => x.Kind == EmailKind.Invitation), "the second order's invitation");
        using var cancelled = await OperatorPostAsync($"/api/orders/{colliding}/cancel", new { reason = "Cancelling the second order only" });
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        await Server.WaitForMailAsync(colliding, m => m.Any(x => x.Kind == EmailKind.Outcome), "the second order's outcome");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, second.StatusCode));
        Assert.NotEqual(a.InstanceId, b.InstanceId);
        var victimToken = (await Server.WaitForMailAsync(victim, m => m.Count > 0, "the first order's invitation"))[0].WizardToken!;
        Assert.Equal(ProvisioningStage.InvitationSent, (await host.WizardAsync(victimToken)).Stage);
    }

    [Fact]
    public async Task A_repeat_delivery_whose_workflow_runs_another_order_is_refused()
    {
        var owner = NewId("owner");
        using var accepted = await Server.PostOrderAsync(LocalHostFixture.Order(owner));
        var ownerInstance = (await accepted.Content.ReadFromJsonAsync<OrderAccepted>(Json.Options))!.InstanceId;

        // The state a collision would leave: another order registered under the first order's workflow.
        var intruder = NewId("intruder");
        var body = JsonSerializer.SerializeToUtf8Bytes(LocalHostFixture.Order(intruder), Json.Options);
        Assert.True(OrderParser.TryParse(body, out var request, out _));
        var orders = ((InProcessHost)Server).Services.GetRequiredService<OrderStore>();
        await orders.RegisterAsync(intruder, request!.Fingerprint(), ownerInstance, DateTimeOffset.UtcNow, request.SubscriptionId, request.ProvisioningContactEmail, TestContext.Current.CancellationToken);
        await orders.MarkStartedAsync(intruder, TestContext.Current.CancellationToken);

        using var repeated = await Server.PostSignedAsync("/api/orders", body);

        Assert.Equal(HttpStatusCode.Conflict, repeated.StatusCode);
    }

    [Fact]
    public async Task An_address_that_is_not_the_contacts_is_proven_by_a_code_before_anything_is_revealed()
    {
        var orderId = NewId("code");
        var token = await host.InviteAsync(orderId);
        var admin = $"new.{orderId}@acme.com";

        using var submitted = await Server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = "Acme Ltd", adminEmail = admin });
        var waiting = await JsonAsync(submitted);
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Equal("AwaitingAdminEmailVerification", waiting.GetProperty("stage").GetString());
        Assert.False(waiting.TryGetProperty("candidates", out _));
        Assert.Equal(5, waiting.GetProperty("verification").GetProperty("attemptsLeft").GetInt32());
        var code = (await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.AdminEmailVerification), "the code")).Single(m => m.Kind == EmailKind.AdminEmailVerification);
        Assert.Equal(admin, code.To);
        var wrongCode = code.VerificationCode == "000000" ? "111111" : "000000";

        using var wrong = await Server.PostJsonAsync($"/api/wizard/{token}/verification", new { code = wrongCode });
        var problem = await JsonAsync(wrong);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal(4, problem.GetProperty("attemptsLeft").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty("code", out _));

        using var right = await Server.PostJsonAsync($"/api/wizard/{token}/verification", new { code = code.VerificationCode });
        var choosing = await JsonAsync(right);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("AwaitingOrganizationChoice", choosing.GetProperty("stage").GetString());
        Assert.NotEmpty(choosing.GetProperty("candidates").EnumerateArray());
    }

    [Fact]
    public async Task Five_wrong_codes_kill_it_and_a_new_submission_sends_another()
    {
        var orderId = NewId("dead");
        var token = await host.InviteAsync(orderId);
        var admin = $"new.{orderId}@acme.com";
        using (await Server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = "Acme Ltd", adminEmail = admin }))
        {
        }

        var first = (await Server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.AdminEmailVerification), "the code")).Single(m => m.Kind == EmailKind.AdminEmailVerification).VerificationCode!;
        var wrongCode = first == "000000" ? "111111" : "000000";
        var left = new List<(int, string?)>();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await Server.PostJsonAsync($"/api/wizard/{token}/verification", new { code = wrongCode });
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            var problem = await JsonAsync(wrong);
            left.Add((problem.GetProperty("attemptsLeft").GetInt32(), problem.TryGetProperty("reason", out var reason) ? reason.GetString() : null));
        }

        using var tooLate = await Server.PostJsonAsync($"/api/wizard/{token}/verification", new { code = first });
        Assert.Equal([(4, null), (3, null), (2, null), (1, null), (0, "attemptsExhausted")], left);
        Assert.Equal(HttpStatusCode.BadRequest, tooLate.StatusCode);
        var dead = await JsonAsync(tooLate);
        Assert.Equal((0, "attemptsExhausted"), (dead.GetProperty("attemptsLeft").GetInt32(), dead.GetProperty("reason").GetString()));

        using var again = await Server.SubmitAsync(token, new { companyName = "Acme Ltd", adminEmail = admin });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("AwaitingOrganizationChoice", (await JsonAsync(again)).GetProperty("stage").GetString());
        Assert.Equal(2, (await Server.MailAsync(orderId)).Count(m => m.Kind == EmailKind.AdminEmailVerification));
    }

    [Fact]
    public async Task A_code_past_its_time_is_refused_as_expired_even_before_the_workflow_notices()
    {
        // The API's clock runs ahead of the workflow's timer: the code's 15 minutes are over for the API only.
        var clock = new ShiftedClock();
        var run = Guid.NewGuid().ToString("N")[..6];
        await using var server = await InProcessHost.StartAsync(azurite, new Dictionary<string, string> { ["TASKHUB_NAME"] = "codes" + run }, LocalHostFixture.SamplePath, services: s => s.AddSingleton<TimeProvider>(clock));
        var orderId = NewId("late");
        using (var placed = await server.PostOrderAsync(LocalHostFixture.Order(orderId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        }

        var token = (await server.WaitForMailAsync(orderId, m => m.Count > 0, "the invitation"))[0].WizardToken!;
        using (var submitted = await server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = "Acme Ltd", adminEmail = $"new.{orderId}@acme.com" }))
        {
            Assert.Equal("AwaitingAdminEmailVerification", (await JsonAsync(submitted)).GetProperty("stage").GetString());
        }

        var code = (await server.WaitForMailAsync(orderId, m => m.Any(x => x.Kind == EmailKind.AdminEmailVerification), "the code")).Single(m => m.Kind == EmailKind.AdminEmailVerification).VerificationCode!;
        clock.Shift = ProvisioningWorkflow.VerificationLifetime + TimeSpan.FromSeconds(1);

        using var late = await server.PostJsonAsync($"/api/wizard/{token}/verification", new { code });
        var problem = await JsonAsync(late);

        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Equal((0, "expired"), (problem.GetProperty("attemptsLeft").GetInt32(), problem.GetProperty("reason").GetString()));
    }

    sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }

    [Fact]
    public async Task The_contacts_own_address_needs_no_code_and_the_bearer_header_works_like_the_path()
    {
        var orderId = NewId("own");
        var token = await host.InviteAsync(orderId);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/wizard/submission") { Content = JsonContent.Create(new { companyName = "Acme Ltd", adminEmail = "Buyer@ACME.com" }) };
        request.Headers.Authorization = new("Bearer", token);

        using var submitted = await Server.Http.SendAsync(request);
        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/wizard");
        read.Headers.Authorization = new("Bearer", token);
        using var state = await Server.Http.SendAsync(read);

        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var current = await JsonAsync(state);
        Assert.Equal("AwaitingOrganizationChoice", current.GetProperty("stage").GetString());
        Assert.True(current.GetProperty("step").GetInt32() >= 2, "the invitation and the choice are two waits");
        Assert.DoesNotContain(await Server.MailAsync(orderId), m => m.Kind == EmailKind.AdminEmailVerification);
    }

    [Fact]
    public async Task Company_names_that_could_deceive_an_admin_are_refused()
    {
        var token = await host.InviteAsync(NewId("names"));
        foreach (var name in new[] { "Acme \u202EdtL", "Ac\u200Bme Ltd", "Acme \u2066Ltd\u2069", "Acme https://evil.example/login" })
        {
            using var refused = await Server.PostJsonAsync($"/api/wizard/{token}/submission", new { companyName = name, adminEmail = "buyer@acme.com" });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await JsonAsync(refused)).GetProperty("errors").TryGetProperty("companyName", out _), name);
        }
    }

    [Fact]
    public async Task Every_api_answer_forbids_caching_and_content_sniffing()
    {
        using var missing = await Server.Http.GetAsync("/api/wizard/not-a-token");
        using var unauthorized = await Server.Http.GetAsync("/api/orders");
        using var accepted = await Server.PostOrderAsync(LocalHostFixture.Order(NewId("headers")));
        using var operatorView = await Server.OperatorGetAsync("/api/orders?pageSize=1");

        foreach (var response in new[] { missing, unauthorized, accepted, operatorView })
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        }
    }

    [Fact]
    public async Task The_local_mailbox_answers_only_this_machine()
    {
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (address is null)
        {
            Assert.Skip("This machine has no address but loopback.");
        }

        await using var server = await DevServerProcess.StartAsync(listenOnAllAddresses: true);
        using var remote = new HttpClient { BaseAddress = new Uri($"http://{address}:{server.Port}") };

        using var fromThisMachine = await server.Http.GetAsync("/dev/mailbox");
        using var fromElsewhere = await remote.GetAsync("/dev/mailbox");
        using var apiFromElsewhere = await remote.GetAsync("/api/wizard/not-a-token");

        Assert.Equal(HttpStatusCode.OK, fromThisMachine.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, fromElsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, apiFromElsewhere.StatusCode);
    }
}

/// <summary>The contact's link during an approval that outlives the invitation (invitations of 15 seconds here).</summary>
public class ApprovalOutlivesInvitationTests(ShortInvitationLocalHostFixture host) : IClassFixture<ShortInvitationLocalHostFixture>
{
    [Fact]
    public async Task The_contacts_link_keeps_working_until_the_approval_deadline()
    {
        var orderId = "outlive-" + Guid.NewGuid().ToString("N")[..8];
        var invitedAt = DateTimeOffset.UtcNow;
        var token = await host.InviteAsync(orderId);
        using var submitted = await host.Server.SubmitAsync(token, new { companyName = "Contoso", adminEmail = $"new.{orderId}@contoso.com" });
        await host.WaitForStageAsync(token, ProvisioningStage.AwaitingOrganizationChoice);
        using var chosen = await host.Server.PostJsonAsync($"/api/wizard/{token}/choice", new { organizationId = "org-contoso" });
        var pending = await host.WaitForStageAsync(token, ProvisioningStage.AwaitingAdminApproval);
        Assert.True(DateTimeOffset.UtcNow < invitedAt + ShortInvitationLocalHostFixture.InvitationLifetime, "the approval stage must be reached before the invitation's deadline");

        // The invitation's deadline passes while the existing admin has not decided.
        await Eventually.WaitAsync(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > invitedAt + ShortInvitationLocalHostFixture.InvitationLifetime + TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), "the invitation's deadline");
        using var later = await host.Server.Http.GetAsync($"/api/wizard/{token}");

        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(ProvisioningStage.AwaitingAdminApproval, (await later.Content.ReadFromJsonAsync<WizardState>(Json.Options))!.Stage);
        Assert.True(pending.ExpiresAt > invitedAt + ShortInvitationLocalHostFixture.InvitationLifetime);
    }
}

/// <summary>A local host whose invitations last 15 seconds.</summary>
public sealed class ShortInvitationLocalHostFixture(AzuriteFixture azurite) : InProcessHostFixture(azurite)
{
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromSeconds(15);

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Provisioning__InvitationLifetime"] = "00:00:15",
        ["Provisioning__InvitationReminderBefore"] = "00:00:00",
    };
}
