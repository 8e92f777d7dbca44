using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>The directory routes on the local host: every route and error code, ETags against a running workflow, imports with bad lines.</summary>
public class DirectoryApiTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    LocalHost Server => host.Server;

    static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    static object Org(string name, string domain, string? id = null, string[]? subscriptions = null, string adminLocal = "boss") => new
    {
        id,
        name,
        type = "Customer",
        createdAt = "2020-05-01T00:00:00Z",
        users = new object[] { new { email = $"{adminLocal}@{domain}", name = "The Boss", roles = new[] { "FullAdmin" } }, new { email = $"staff@{domain}" } },
        subscriptions = (subscriptions ?? []).Select(s => new { id = s, status = "Active" }).ToArray(),
    };

    async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? ifMatch = null, string key = DevServerProcess.OperatorKey, bool expectContinue = false, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.ExpectContinue = expectContinue;
        if (key.Length > 0)
        {
            request.Headers.Add("x-functions-key", key);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return await Server.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    Task<HttpResponseMessage> PutAsync(string id, object body, string? ifMatch = null, string? ifNoneMatch = null) =>
        SendAsync(HttpMethod.Put, $"/api/organizations/{id}", JsonContent.Create(body, options: Json.Options), ifMatch, ifNoneMatch: ifNoneMatch);

    static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task Put_creates_then_replaces_with_an_ETag_and_Get_and_Delete_follow_it()
    {
        var id = NewId("org-api");
        var domain = id + ".example";

        using var created = await PutAsync(id, Org("Api Test One", domain));
        using var read = await SendAsync(HttpMethod.Get, $"/api/organizations/{id}");
        using var replaced = await PutAsync(id, Org("Api Test Two", domain, id), ifMatch: created.Headers.ETag!.ToString());
        using var stale = await PutAsync(id, Org("Api Test Stale", domain), ifMatch: created.Headers.ETag!.ToString());
        using var staleDelete = await SendAsync(HttpMethod.Delete, $"/api/organizations/{id}", ifMatch: created.Headers.ETag!.ToString());
        using var deleted = await SendAsync(HttpMethod.Delete, $"/api/organizations/{id}", ifMatch: replaced.Headers.ETag!.ToString());
        using var gone = await SendAsync(HttpMethod.Get, $"/api/organizations/{id}");
        using var goneDelete = await SendAsync(HttpMethod.Delete, $"/api/organizations/{id}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.EndsWith($"/api/organizations/{id}", created.Headers.Location!.ToString(), StringComparison.Ordinal);
        var body = (await created.Content.ReadFromJsonAsync<Organization>(Json.Options))!;
        Assert.Equal((id, "Api Test One", 2), (body.Id, body.Name, body.Users.Count));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(created.Headers.ETag, read.Headers.ETag);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.NotEqual(created.Headers.ETag, replaced.Headers.ETag);
        await ProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal(replaced.Headers.ETag, stale.Headers.ETag);
        await ProblemAsync(staleDelete, HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await ProblemAsync(gone, HttpStatusCode.NotFound);
        await ProblemAsync(goneDelete, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task If_None_Match_star_creates_an_organization_and_answers_412_when_it_exists()
    {
        var id = NewId("org-create-only");
        var domain = id + ".example";

        using var created = await PutAsync(id, Org("Create Only Co", domain), ifNoneMatch: "*");
        using var overwrite = await PutAsync(id, Org("Someone Else's Co", domain), ifNoneMatch: "*");
        using var same = await PutAsync(id, Org("Create Only Co", domain), ifNoneMatch: "*");
        using var read = await SendAsync(HttpMethod.Get, $"/api/organizations/{id}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var problem = await ProblemAsync(overwrite, HttpStatusCode.PreconditionFailed);
        Assert.Contains("If-None-Match", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(created.Headers.ETag, overwrite.Headers.ETag);
        // Even a PUT that would change nothing: the organization exists, so the precondition fails.
        await ProblemAsync(same, HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(created.Headers.ETag, read.Headers.ETag);
        Assert.Equal("Create Only Co", (await read.Content.ReadFromJsonAsync<Organization>(Json.Options))!.Name);
    }

    [Fact]
    public async Task Of_concurrent_PUTs_with_If_None_Match_star_exactly_one_creates()
    {
        var id = NewId("org-create-race");
        var names = Enumerable.Range(1, 4).Select(i => $"Racer {i} Co").ToList();

        var responses = await Task.WhenAll(names.Select(name => PutAsync(id, Org(name, id + ".example"), ifNoneMatch: "*")));
        using var read = await SendAsync(HttpMethod.Get, $"/api/organizations/{id}");

        var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r != winner), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
        var stored = (await read.Content.ReadFromJsonAsync<Organization>(Json.Options))!;
        Assert.Equal((await winner.Content.ReadFromJsonAsync<Organization>(Json.Options))!.Name, stored.Name);
        Assert.Equal(winner.Headers.ETag, read.Headers.ETag);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task If_None_Match_with_anything_but_star_or_beside_If_Match_is_refused_and_writes_nothing()
    {
        var id = NewId("org-none-match");
        using var created = await PutAsync(id, Org("None Match Co", id + ".example"));
        var version = created.Headers.ETag!.ToString();

        using var aVersion = await PutAsync(id, Org("Changed Co", id + ".example"), ifNoneMatch: "\"some-other-version\"");
        using var withIfMatch = await PutAsync(id, Org("Changed Co", id + ".example"), ifMatch: version, ifNoneMatch: "*");
        using var read = await SendAsync(HttpMethod.Get, $"/api/organizations/{id}");

        foreach (var refused in new[] { aVersion, withIfMatch })
        {
            var problem = await ProblemAsync(refused, HttpStatusCode.BadRequest);
            Assert.Equal(["ifNoneMatch"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        }

        Assert.Equal(version, read.Headers.ETag!.ToString());
    }

    [Fact]
    public async Task Putting_the_same_organization_again_answers_200_with_the_same_ETag()
    {
        var id = NewId("org-same");
        using var first = await PutAsync(id, Org("Same Co", id + ".example"));
        using var second = await PutAsync(id, Org("Same Co", id + ".example"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
    }

    [Fact]
    public async Task Every_invalid_field_is_named_and_nothing_is_written()
    {
        var id = NewId("org-bad");
        var body = new
        {
            id = "another-id",
            name = "Bad Co",
            type = "Vendor",
            createdAt = "yesterday",
            users = new object[] { new { email = "a@bad.example", roles = new[] { "Boss" } }, new { email = "A@Bad.example" }, new { email = "not-an-address" } },
            subscriptions = new[] { new { id = "s 1", status = "Paused" } },
        };

        using var response = await PutAsync(id, body);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "id", "type", "createdAt", "users[0].roles[0]", "users[1].email", "users[2].email", "subscriptions[0].id", "subscriptions[0].status" }, fields);
        await ProblemAsync(await SendAsync(HttpMethod.Get, $"/api/organizations/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_subscription_another_organization_holds_is_a_400_naming_it()
    {
        var owner = NewId("org-owner");
        var subscription = NewId("sub-held");
        using var first = await PutAsync(owner, Org("Owner Co", owner + ".example", subscriptions: [subscription]));
        var other = NewId("org-other");

        using var second = await PutAsync(other, Org("Other Co", other + ".example", subscriptions: [subscription]));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var problem = await ProblemAsync(second, HttpStatusCode.BadRequest);
        Assert.Contains(owner, problem.GetProperty("errors").GetProperty("subscriptions[0].id")[0].GetString(), StringComparison.Ordinal);
        await ProblemAsync(await SendAsync(HttpMethod.Get, $"/api/organizations/{other}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Directory_routes_need_the_operator_key_and_refuse_bad_bodies()
    {
        var id = NewId("org-guard");
        using var noKey = await SendAsync(HttpMethod.Get, $"/api/organizations/{id}", key: string.Empty);
        using var wrongKey = await SendAsync(HttpMethod.Put, $"/api/organizations/{id}", JsonContent.Create(Org("X", "x.example"), options: Json.Options), key: "wrong");
        using var tooLarge = await SendAsync(HttpMethod.Put, $"/api/organizations/{id}", new ByteArrayContent(new byte[OrganizationsApi.MaxOrganizationBytes + 1]) { Headers = { ContentType = new("application/json") } });
        using var notJson = await SendAsync(HttpMethod.Put, $"/api/organizations/{id}", new StringContent("name=x", Encoding.UTF8, "text/plain"));
        using var badId = await PutAsync("bad%20id", Org("X", "x.example"));
        using var importAsJson = await SendAsync(HttpMethod.Post, "/api/organizations/import", JsonContent.Create(new { }));
        using var noCriterion = await SendAsync(HttpMethod.Get, "/api/organizations");
        using var bothCriteria = await SendAsync(HttpMethod.Get, "/api/organizations?email=a@b.com&domain=b.com");
        using var badToken = await SendAsync(HttpMethod.Get, "/api/organizations?domain=acme.com&continuationToken=%%%");

        await ProblemAsync(noKey, HttpStatusCode.Unauthorized);
        await ProblemAsync(wrongKey, HttpStatusCode.Unauthorized);
        await ProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);
        await ProblemAsync(notJson, HttpStatusCode.UnsupportedMediaType);
        Assert.True((await ProblemAsync(badId, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("organizationId", out _));
        await ProblemAsync(importAsJson, HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(noCriterion, HttpStatusCode.BadRequest);
        await ProblemAsync(bothCriteria, HttpStatusCode.BadRequest);
        await ProblemAsync(badToken, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_import_takes_up_to_32_MiB_and_answers_413_beyond()
    {
        // Past Kestrel's own default limit (about 28.6 MB), which the import raises for itself.
        var blankLines = new byte[30_000_000];
        Array.Fill(blankLines, (byte)'\n');
        using var within = new ByteArrayContent(blankLines);
        within.Headers.ContentType = new MediaTypeHeaderValue(OrganizationsApi.Ndjson);
        using var beyond = new ByteArrayContent(new byte[OrganizationsApi.MaxImportBytes + 1024]);
        beyond.Headers.ContentType = new MediaTypeHeaderValue(OrganizationsApi.Ndjson);

        using var accepted = await SendAsync(HttpMethod.Post, "/api/organizations/import", within);
        // The answer comes before the body is sent (Expect: 100-continue), as a client that cares would ask.
        using var refused = await SendAsync(HttpMethod.Post, "/api/organizations/import", beyond, expectContinue: true);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(0, (await accepted.Content.ReadFromJsonAsync<ImportReport>(Json.Options))!.Created);
        await ProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task An_import_imports_the_good_lines_reports_the_bad_ones_and_a_repeat_is_unchanged()
    {
        var prefix = NewId("imp");
        var lines = new[]
        {
            JsonSerializer.Serialize(Org("Import One", prefix + "-1.example", prefix + "-1"), Json.Options),
            JsonSerializer.Serialize(Org("Import Two", prefix + "-2.example", prefix + "-2"), Json.Options).Replace("FullAdmin", "Owner", StringComparison.Ordinal),
            "not json",
            JsonSerializer.Serialize(Org("Import Three", prefix + "-3.example", prefix + "-3"), Json.Options),
        };
        HttpContent Body() => new StringContent(string.Join("\n", lines) + "\n", Encoding.UTF8, OrganizationsApi.Ndjson);

        using var first = await SendAsync(HttpMethod.Post, "/api/organizations/import", Body());
        using var second = await SendAsync(HttpMethod.Post, "/api/organizations/import", Body());

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var report = (await first.Content.ReadFromJsonAsync<ImportReport>(Json.Options))!;
        Assert.Equal((2, 0, 0, 2), (report.Created, report.Updated, report.Unchanged, report.FailedCount));
        Assert.Equal([2, 3], report.Failed.Select(f => f.Line));
        Assert.Equal(prefix + "-2", report.Failed[0].OrganizationId);
        Assert.Contains("users[0].roles[0]", report.Failed[0].Errors.Keys);
        var again = (await second.Content.ReadFromJsonAsync<ImportReport>(Json.Options))!;
        Assert.Equal((0, 0, 2, 2), (again.Created, again.Updated, again.Unchanged, again.FailedCount));
    }

    [Fact]
    public async Task An_import_saved_with_a_byte_order_mark_imports_its_first_line()
    {
        var prefix = NewId("bom");
        var lines = new[]
        {
            JsonSerializer.Serialize(Org("Bom One", prefix + "-1.example", prefix + "-1"), Json.Options),
            JsonSerializer.Serialize(Org("Bom Two", prefix + "-2.example", prefix + "-2"), Json.Options),
        };
        // As PowerShell 5's Out-File -Encoding utf8 writes it: EF BB BF, then the lines.
        using var body = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n")]);
        body.Headers.ContentType = new MediaTypeHeaderValue(OrganizationsApi.Ndjson);

        using var response = await SendAsync(HttpMethod.Post, "/api/organizations/import", body);
        using var first = await SendAsync(HttpMethod.Get, $"/api/organizations/{prefix}-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = (await response.Content.ReadFromJsonAsync<ImportReport>(Json.Options))!;
        Assert.Equal((2, 0), (report.Created, report.FailedCount));
        Assert.Equal("Bom One", (await first.Content.ReadFromJsonAsync<Organization>(Json.Options))!.Name);
    }

    [Fact]
    public async Task Organizations_are_found_by_a_users_email_and_by_domain_page_by_page()
    {
        var domain = NewId("find") + ".example";
        var ids = Enumerable.Range(1, 3).Select(i => $"{domain}-org-{i}".Replace(".", "-", StringComparison.Ordinal)).ToList();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            using var put = await PutAsync(id, Org($"Finder {(char)('A' + i)} Corp", domain, adminLocal: i == 0 ? "boss" : $"boss{i}"));
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using var byEmail = await SendAsync(HttpMethod.Get, $"/api/organizations?email=STAFF@{domain}");
        var emailPage = (await byEmail.Content.ReadFromJsonAsync<DirectoryPage>(Json.Options))!;
        var seen = new List<string>();
        string? token = null;
        do
        {
            using var page = await SendAsync(HttpMethod.Get, $"/api/organizations?domain={domain}&pageSize=2" + (token is null ? string.Empty : "&continuationToken=" + token));
            var body = (await page.Content.ReadFromJsonAsync<DirectoryPage>(Json.Options))!;
            Assert.InRange(body.Items.Count, 1, 2);
            seen.AddRange(body.Items.Select(i => i.OrganizationId));
            token = body.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(ids.Order(), emailPage.Items.Select(i => i.OrganizationId).Order());
        Assert.All(emailPage.Items, i => Assert.False(i.IsFullAdmin));
        Assert.Equal(ids.Order(), seen.Order());
    }

    [Fact]
    public async Task What_provisioning_does_shows_in_the_directory_and_changes_the_ETag()
    {
        var id = NewId("org-flow");
        var domain = id + ".example";
        using var put = await PutAsync(id, Org("Flow Works", domain));
        var version = put.Headers.ETag!.ToString();

        // Rule A: the contact enters the organization's own full admin, so the subscription is assigned at once.
        var orderId = NewId("ord-dir");
        var token = await host.InviteAsync(orderId);
        using var submitted = await Server.SubmitAsync(token, new { companyName = "Flow Works", adminEmail = $"boss@{domain}" });
        await host.WaitForStageAsync(token, ProvisioningStage.Completed);

        using var read = await SendAsync(HttpMethod.Get, $"/api/organizations/{id}");
        using var blind = await PutAsync(id, Org("Flow Works", domain), ifMatch: version);

        var organization = (await read.Content.ReadFromJsonAsync<Organization>(Json.Options))!;
        Assert.Contains(organization.Subscriptions, s => s.Id == "sub-" + orderId);
        Assert.NotEqual(version, read.Headers.ETag!.ToString());
        await ProblemAsync(blind, HttpStatusCode.PreconditionFailed);
        using var after = await SendAsync(HttpMethod.Get, $"/api/organizations/{id}");
        Assert.Contains((await after.Content.ReadFromJsonAsync<Organization>(Json.Options))!.Subscriptions, s => s.Id == "sub-" + orderId);
    }
}
