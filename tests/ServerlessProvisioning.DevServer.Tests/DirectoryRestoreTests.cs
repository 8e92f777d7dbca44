using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// The directory can be restored (docs/recovery.md), on the local host with the sample organizations: the export
/// route, the restore procedure performed as written (export, empty tables, import), and the day's export the host
/// writes to the archive container on Azurite.
/// </summary>
public class DirectoryRestoreTests(InProcessHostFixture host) : IClassFixture<InProcessHostFixture>
{
    InProcessHost Server => (InProcessHost)host.Server;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    // What an operator (and matching) sees of the directory: each organization as GET answers it, and searches by
    // address, domain and name, which read the indexes a restore has to rebuild.
    static readonly string[] Reads =
    [
        "/api/organizations?email=ana@acme.com",
        "/api/organizations?email=hank@globex.com",
        "/api/organizations?domain=acme.com&pageSize=100",
        "/api/organizations?name=acme&pageSize=100",
        "/api/organizations?name=telef&pageSize=100",
    ];

    async Task<byte[]> ExportAsync()
    {
        using var response = await Server.OperatorGetAsync("/api/organizations/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OrganizationsApi.Ndjson, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync(Ct);
    }

    async Task<ImportReport> ImportAsync(byte[] ndjson)
    {
        using var content = new ByteArrayContent(ndjson);
        content.Headers.ContentType = new MediaTypeHeaderValue(OrganizationsApi.Ndjson);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/organizations/import") { Content = content };
        request.Headers.Add("x-functions-key", DevServerProcess.OperatorKey);
        using var response = await Server.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize<ImportReport>(await response.Content.ReadAsStringAsync(Ct), Json.Options)!;
    }

    async Task<List<string>> ReadAllAsync(IEnumerable<string> ids)
    {
        var answers = new List<string>();
        foreach (var path in ids.Select(id => $"/api/organizations/{id}").Concat(Reads))
        {
            using var response = await Server.OperatorGetAsync(path);
            var body = await response.Content.ReadAsStringAsync(Ct);
            answers.Add($"{path} {(int)response.StatusCode} {(path.Contains('?', StringComparison.Ordinal) ? ItemsById(body) : body)}");
        }

        return answers;
    }

    // The domain index keeps the organizations sharing a domain and a name in the order they were written, and an
    // import writes 16 at a time: the same organizations, in an order that may differ. Compared by id.
    static string ItemsById(string page)
    {
        using var document = JsonDocument.Parse(page);
        return string.Join("\n", document.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetRawText()).Order(StringComparer.Ordinal));
    }

    static List<string> IdsOf(byte[] export) => OrganizationImporter.ReadNdjson(export).Select(i => i.OrganizationId!).ToList();

    [Fact]
    public async Task The_export_is_the_whole_directory_in_id_order_and_importing_it_answers_unchanged_for_every_line()
    {
        using var response = await Server.OperatorGetAsync("/api/organizations/export");
        var export = await response.Content.ReadAsByteArrayAsync(Ct);

        var ids = IdsOf(export);
        var report = await ImportAsync(export);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Matches(@"^organizations-\d{4}-\d{2}-\d{2}\.ndjson$", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Contains("org-acme", ids);
        Assert.Equal((0, 0, ids.Count, 0), (report.Created, report.Updated, report.Unchanged, report.FailedCount));
    }

    [Fact]
    public async Task An_export_without_the_operator_key_is_refused_with_a_problem()
    {
        using var response = await Server.Http.GetAsync("/api/organizations/export", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_restore_procedure_gives_back_the_same_directory_and_the_same_answers()
    {
        // 1. Export (docs/recovery.md: from the API, or the night's blob).
        var export = await ExportAsync();
        var ids = IdsOf(export);
        var before = await ReadAllAsync(ids);

        // 2. The directory is lost: every row of its tables goes (the organizations and all four indexes).
        var tables = Server.Services.GetRequiredService<TableServiceClient>();
        var names = Server.Tables;
        foreach (var table in new[] { names.Organizations, names.UserIndex, names.DomainIndex, names.NameIndex, names.SubscriptionIndex })
        {
            var client = tables.GetTableClient(table);
            await foreach (var row in client.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: Ct))
            {
                await client.DeleteEntityAsync(row.PartitionKey, row.RowKey, cancellationToken: Ct);
            }
        }

        Assert.Empty(await ExportAsync());
        using var lost = await Server.OperatorGetAsync("/api/organizations/org-acme");
        Assert.Equal(HttpStatusCode.NotFound, lost.StatusCode);

        // 3. Import the export.
        var report = await ImportAsync(export);

        // 4. Check: the same export, byte for byte, and the same answers (ETags are versions of rows, so they are new).
        Assert.Equal((ids.Count, 0, 0), (report.Created, report.Updated, report.FailedCount));
        Assert.Equal(Encoding.UTF8.GetString(export), Encoding.UTF8.GetString(await ExportAsync()));
        Assert.Equal(before, await ReadAllAsync(ids));
        Assert.Empty(await new IndexConsistencyChecker(tables, names).CheckAsync(Ct));
    }

    [Fact]
    public async Task The_local_host_writes_the_days_export_to_the_archive_container_on_Azurite()
    {
        var blobs = Server.Services.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>();
        var blob = blobs.GetBlobContainerClient(Server.Tables.ArchiveContainer).GetBlobClient(DirectoryBackup.BlobName(DateTimeOffset.UtcNow));

        await Eventually.WaitAsync(async () => (await blob.ExistsAsync(Ct)).Value, exists => exists, TimeSpan.FromSeconds(30), "the day's export in the archive");

        var stored = (await blob.DownloadContentAsync(Ct)).Value.Content.ToArray();
        Assert.Equal(IdsOf(await ExportAsync()), IdsOf(stored));
    }
}
