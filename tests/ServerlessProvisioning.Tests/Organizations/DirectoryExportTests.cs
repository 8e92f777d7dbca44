using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Organizations;

/// <summary>The directory's export (the import's format, in id order) and its nightly copy in the archive container, on Azurite.</summary>
public class DirectoryExportTests(AzuriteFixture azurite)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly DateTimeOffset Night = new(2026, 12, 7, 2, 30, 0, TimeSpan.Zero);

    sealed record Directory(TableNames Names, OrganizationStore Store, OrganizationImporter Importer, OrganizationExporter Exporter);

    async Task<Directory> NewDirectoryAsync()
    {
        var names = await azurite.CreateTablesAsync();
        var store = new OrganizationStore(azurite.Tables, names);
        return new Directory(names, store, new OrganizationImporter(store), new OrganizationExporter(azurite.Tables, names, store));
    }

    // Thousands of users with long names: its document passes a row's 450,000 characters and continues in page rows,
    // which the export must read too.
    static Organization Large(string id) => new(
        id,
        "Very Large Holding",
        OrganizationType.Customer,
        new DateTimeOffset(2010, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567),
        [.. Enumerable.Range(0, 2400).Select(i => new OrganizationUser($"user{i:D5}@large-holding.example", $"User number {i} ".PadRight(190, 'x'), i == 0 ? [UserRole.FullAdmin] : []))],
        [new OrganizationSubscription("sub-large", SubscriptionStatus.Active)]);

    // The matching world also holds an organization whose id the API would refuse (to test key escaping); a directory
    // filled through the API or an import never does.
    static IReadOnlyList<Organization> World { get; } = [.. MatchingWorld.Organizations.Where(o => Identifiers.IsValid(o.Id))];

    static async Task<byte[]> ExportAsync(Directory directory)
    {
        using var buffer = new MemoryStream();
        await directory.Exporter.WriteAsync(buffer, Ct);
        return buffer.ToArray();
    }

    async Task<Directory> FilledAsync()
    {
        var directory = await NewDirectoryAsync();
        var result = await directory.Importer.ImportAsync([.. World.Reverse(), Large("org-large")], Ct);
        Assert.Equal(0, result.FailedCount);
        return directory;
    }

    [Fact]
    public async Task An_export_holds_every_organization_once_in_id_order_and_importing_it_changes_nothing()
    {
        var directory = await FilledAsync();

        var export = await ExportAsync(directory);
        var items = OrganizationImporter.ReadNdjson(export).ToList();
        var again = await directory.Importer.ImportAsync(items, Ct);

        var expectedIds = World.Select(o => o.Id).Append("org-large").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedIds, items.Select(i => i.OrganizationId));
        Assert.All(items, i => Assert.Null(i.Errors));
        Assert.Equal((0, 0, expectedIds.Count, 0), (again.Created, again.Updated, again.Unchanged, again.FailedCount));
        Assert.EndsWith("\n", Encoding.UTF8.GetString(export), StringComparison.Ordinal);
        Assert.Equal(2400, items.Single(i => i.OrganizationId == "org-large").Organization!.Users.Count);
    }

    [Fact]
    public async Task Restoring_an_export_into_empty_tables_gives_back_the_same_directory()
    {
        var original = await FilledAsync();
        var export = await ExportAsync(original);

        var restored = await NewDirectoryAsync();
        var result = await restored.Importer.ImportAsync(OrganizationImporter.ReadNdjson(export), Ct);

        Assert.Equal(World.Count + 1, result.Created);
        Assert.Equal(export, await ExportAsync(restored));
        Assert.Empty(await new IndexConsistencyChecker(azurite.Tables, restored.Names).CheckAsync(Ct));
        // The user index lists memberships in the order they were written; the API sorts them by organization id.
        Assert.Equal(
            (await original.Store.Indexes.GetMembershipsAsync("boss@globex.com", Ct)).OrderBy(m => m.OrganizationId, StringComparer.Ordinal),
            (await restored.Store.Indexes.GetMembershipsAsync("boss@globex.com", Ct)).OrderBy(m => m.OrganizationId, StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_empty_directory_exports_nothing()
    {
        var directory = await NewDirectoryAsync();

        Assert.Empty(await ExportAsync(directory));
    }

    [Fact]
    public async Task The_nightly_export_writes_the_days_blob_once_however_often_it_runs()
    {
        var directory = await FilledAsync();
        var clock = new FakeTimeProvider(Night);
        DirectoryBackup Backup() => new(directory.Exporter, azurite.Blobs, directory.Names, clock, NullLogger<DirectoryBackup>.Instance);

        var first = await Backup().RunAsync(Ct);
        await directory.Store.DeleteAsync("org-acme", null, Ct);
        var racing = await Task.WhenAll(Backup().RunAsync(Ct), Backup().RunAsync(Ct));
        clock.Advance(TimeSpan.FromDays(1));
        var nextDay = await Backup().RunAsync(Ct);

        var container = azurite.Blobs.GetBlobContainerClient(directory.Names.ArchiveContainer);
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, "directory/", Ct))
        {
            blobs.Add(blob.Name);
        }

        Assert.Equal(("directory/2026/12/07.ndjson", true, World.Count + 1), (first.BlobName, first.Written, first.Organizations));
        Assert.All(racing, r => Assert.False(r.Written));
        Assert.Equal(("directory/2026/12/08.ndjson", true, World.Count), (nextDay.BlobName, nextDay.Written, nextDay.Organizations));
        Assert.Equal(["directory/2026/12/07.ndjson", "directory/2026/12/08.ndjson"], blobs);
        var stored = (await container.GetBlobClient(first.BlobName).DownloadContentAsync(Ct)).Value;
        Assert.Equal("application/x-ndjson", stored.Details.ContentType);
        Assert.Contains("\"id\":\"org-acme\"", stored.Content.ToString(), StringComparison.Ordinal);
        Assert.Equal(await ExportAsync(directory), (await container.GetBlobClient(nextDay.BlobName).DownloadContentAsync(Ct)).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_nightly_export_larger_than_a_block_is_staged_in_several_blocks_and_reads_back_whole()
    {
        var directory = await FilledAsync();
        var backup = new DirectoryBackup(directory.Exporter, azurite.Blobs, directory.Names, new FakeTimeProvider(Night), NullLogger<DirectoryBackup>.Instance) { BlockSize = 64 * 1024 };

        var result = await backup.RunAsync(Ct);

        var blob = azurite.Blobs.GetBlobContainerClient(directory.Names.ArchiveContainer).GetBlockBlobClient(result.BlobName);
        var blocks = (await blob.GetBlockListAsync(cancellationToken: Ct)).Value.CommittedBlocks.Count();
        var export = await ExportAsync(directory);
        Assert.True(blocks > 2, $"{blocks} block(s) for {export.Length} bytes");
        Assert.Equal(export, (await blob.DownloadContentAsync(Ct)).Value.Content.ToArray());
    }
}
