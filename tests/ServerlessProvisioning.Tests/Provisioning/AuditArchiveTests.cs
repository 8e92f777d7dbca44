using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Provisioning;

/// <summary>
/// A purged order's audit goes to the month's append blob exactly once, however the purge is interrupted or repeated:
/// on Azurite's tables and blobs, each interruption made by hand at the point a crash would leave it.
/// </summary>
public class AuditArchiveTests(AzuriteFixture azurite)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly DateTimeOffset Purge = new(2026, 12, 7, 3, 17, 0, TimeSpan.Zero);

    const string Month = "audit/2026-12.ndjson";

    sealed record World(TableNames Names, OrderStore Orders, FakeTimeProvider Clock)
    {
        public AuditArchive Archive(AzuriteFixture azurite) => new(Orders, azurite.Blobs, Names, Clock, NullLogger<AuditArchive>.Instance);
    }

    async Task<World> NewWorldAsync()
    {
        var names = await azurite.CreateTablesAsync();
        return new World(names, new OrderStore(azurite.Tables, names), new FakeTimeProvider(Purge));
    }

    static IReadOnlyList<AuditEntry> Trail(string orderId) =>
    [
        new(1, Purge.AddDays(-40), "order-system", "OrderReceived", $"Order {orderId}"),
        new(2, Purge.AddDays(-39), "contact", "WizardSubmitted", "Acme Ltd / new.admin@acme.com"),
        new(3, Purge.AddDays(-38), "workflow", "Completed", null),
    ];

    async Task<World> WithOrdersAsync(params string[] orderIds)
    {
        var world = await NewWorldAsync();
        foreach (var orderId in orderIds)
        {
            await world.Orders.RecordAuditAsync(orderId, Trail(orderId), Ct);
        }

        return world;
    }

    async Task<List<ArchivedAuditEntry>> ArchivedAsync(World world, string blob = Month)
    {
        var content = (await azurite.Blobs.GetBlobContainerClient(world.Names.ArchiveContainer).GetBlobClient(blob).DownloadContentAsync(Ct)).Value.Content.ToString();
        return content.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<ArchivedAuditEntry>(l, Json.Options)!).ToList();
    }

    [Fact]
    public async Task An_orders_audit_is_appended_to_the_months_blob_one_line_per_entry_with_its_key()
    {
        var world = await WithOrdersAsync("ord-a", "ord-b");

        Assert.Equal(AuditArchiving.Archived, await world.Archive(azurite).ArchiveAsync("ord-a", Ct));
        Assert.Equal(AuditArchiving.Archived, await world.Archive(azurite).ArchiveAsync("ord-b", Ct));

        var archived = await ArchivedAsync(world);
        Assert.Equal(["ord-a/1", "ord-a/2", "ord-a/3", "ord-b/1", "ord-b/2", "ord-b/3"], archived.Select(e => $"{e.OrderId}/{e.Sequence}"));
        Assert.Equal(new ArchivedAuditEntry("ord-a", 2, Purge.AddDays(-39), "contact", "WizardSubmitted", "Acme Ltd / new.admin@acme.com"), archived[1]);
    }

    [Fact]
    public async Task Archiving_again_after_it_was_done_appends_nothing()
    {
        var world = await WithOrdersAsync("ord-a");

        await world.Archive(azurite).ArchiveAsync("ord-a", Ct);
        await world.Archive(azurite).ArchiveAsync("ord-a", Ct);

        Assert.Equal(3, (await ArchivedAsync(world)).Count);
        Assert.True((await world.Orders.GetArchiveMarkerAsync("ord-a", Ct))!.Value.Marker.Done);
    }

    [Fact]
    public async Task A_purge_that_died_after_appending_but_before_noting_it_is_not_appended_twice()
    {
        var world = await WithOrdersAsync("ord-a", "ord-b");
        await world.Archive(azurite).ArchiveAsync("ord-a", Ct);
        // The crash: the append landed, the marker still says it is under way; meanwhile another order was appended.
        // An hour later, as the next purge runs.
        var (marker, version) = (await world.Orders.GetArchiveMarkerAsync("ord-a", Ct))!.Value;
        await world.Orders.TryWriteArchiveMarkerAsync("ord-a", marker with { Done = false }, version, Ct);
        world.Clock.Advance(TimeSpan.FromHours(1));
        await world.Archive(azurite).ArchiveAsync("ord-b", Ct);

        await world.Archive(azurite).ArchiveAsync("ord-a", Ct);

        Assert.Equal(["ord-a", "ord-a", "ord-a", "ord-b", "ord-b", "ord-b"], (await ArchivedAsync(world)).Select(e => e.OrderId));
        Assert.True((await world.Orders.GetArchiveMarkerAsync("ord-a", Ct))!.Value.Marker.Done);
    }

    [Fact]
    public async Task A_purge_that_died_after_noting_the_place_but_before_appending_appends_on_the_next_run()
    {
        var world = await WithOrdersAsync("ord-a", "ord-b");
        await world.Archive(azurite).ArchiveAsync("ord-b", Ct);
        // The crash: the marker names a place (now taken by nothing, past the end), the append never happened.
        var length = (await azurite.Blobs.GetBlobContainerClient(world.Names.ArchiveContainer).GetBlobClient(Month).GetPropertiesAsync(cancellationToken: Ct)).Value.ContentLength;
        await world.Orders.TryWriteArchiveMarkerAsync("ord-a", new AuditArchiveMarker(Month, length, 10, Done: false, Purge), null, Ct);
        world.Clock.Advance(TimeSpan.FromHours(1));

        await world.Archive(azurite).ArchiveAsync("ord-a", Ct);

        Assert.Equal(["ord-b", "ord-b", "ord-b", "ord-a", "ord-a", "ord-a"], (await ArchivedAsync(world)).Select(e => e.OrderId));
    }

    [Fact]
    public async Task A_place_another_purge_claimed_a_moment_ago_is_left_to_it_and_taken_over_once_its_claim_lapses()
    {
        var world = await WithOrdersAsync("ord-a");
        await world.Orders.TryWriteArchiveMarkerAsync("ord-a", new AuditArchiveMarker(Month, 0, 10, Done: false, Purge), null, Ct);

        var whileClaimed = await world.Archive(azurite).ArchiveAsync("ord-a", Ct);
        world.Clock.Advance(AuditArchive.ClaimLease);
        var afterwards = await world.Archive(azurite).ArchiveAsync("ord-a", Ct);

        Assert.Equal((AuditArchiving.Busy, AuditArchiving.Archived), (whileClaimed, afterwards));
        Assert.Equal(3, (await ArchivedAsync(world)).Count);
    }

    [Fact]
    public async Task Purges_archiving_the_same_order_at_once_append_it_once()
    {
        var world = await WithOrdersAsync("ord-a");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => world.Archive(azurite).ArchiveAsync("ord-a", Ct)));

        Assert.Equal(3, (await ArchivedAsync(world)).Count);
        Assert.Contains(AuditArchiving.Archived, outcomes);
        Assert.DoesNotContain(AuditArchiving.NothingToArchive, outcomes);
    }

    [Fact]
    public async Task A_delete_that_died_halfway_leaves_the_marker_so_the_rest_of_the_trail_is_not_archived_again()
    {
        var world = await WithOrdersAsync("ord-a");
        await world.Archive(azurite).ArchiveAsync("ord-a", Ct);
        // The crash: the purge's delete took some audit rows and died; the marker goes last, so it is still there.
        await azurite.Tables.GetTableClient(world.Names.Orders).DeleteEntityAsync(OrderRow.PartitionKey("ord-a"), "audit|000001", cancellationToken: Ct);

        await world.Archive(azurite).ArchiveAsync("ord-a", Ct);
        await world.Orders.DeleteAsync("ord-a", Ct);

        Assert.Equal(3, (await ArchivedAsync(world)).Count);
        var left = new List<TableEntity>();
        await foreach (var row in azurite.Tables.GetTableClient(world.Names.Orders).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {OrderRow.PartitionKey("ord-a")}"), cancellationToken: Ct))
        {
            left.Add(row);
        }

        Assert.Empty(left);
        Assert.Null(await world.Orders.GetArchiveMarkerAsync("ord-a", Ct));
    }

    [Fact]
    public async Task An_order_without_audit_writes_nothing_and_a_new_month_starts_a_new_blob()
    {
        var world = await WithOrdersAsync("ord-a", "ord-b");

        Assert.Equal(AuditArchiving.NothingToArchive, await world.Archive(azurite).ArchiveAsync("ord-none", Ct));
        await world.Archive(azurite).ArchiveAsync("ord-a", Ct);
        world.Clock.Advance(TimeSpan.FromDays(31));
        await world.Archive(azurite).ArchiveAsync("ord-b", Ct);

        Assert.Equal(["ord-a"], (await ArchivedAsync(world)).Select(e => e.OrderId).Distinct());
        Assert.Equal(["ord-b"], (await ArchivedAsync(world, "audit/2027-01.ndjson")).Select(e => e.OrderId).Distinct());
    }

    [Fact]
    public async Task Deleting_an_order_with_no_archive_marker_or_deleting_it_twice_succeeds()
    {
        var world = await WithOrdersAsync("ord-a");

        await world.Orders.DeleteAsync("ord-a", Ct);
        await world.Orders.DeleteAsync("ord-a", Ct);

        Assert.Empty(await world.Orders.GetAuditAsync("ord-a", Ct));
        Assert.Equal(AuditArchiving.NothingToArchive, await world.Archive(azurite).ArchiveAsync("ord-a", Ct));
    }
}
