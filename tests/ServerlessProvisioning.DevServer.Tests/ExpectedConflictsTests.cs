using Azure;
using Azure.Core;
using Azure.Data.Tables;
using ServerlessProvisioning.DevServer.Local;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// The local host logs an insert's 409 and a guarded write's 412 like any answer (no warning in the terminal), but
/// the callers, whose retries and merges the directory tests cover, still get the exception they handle.
/// </summary>
public class ExpectedConflictsTests(AzuriteFixture azurite)
{
    TableClient Table()
    {
        var options = new TableClientOptions();
        options.AddPolicy(new ExpectedConflicts(), HttpPipelinePosition.PerCall);
        var table = new TableServiceClient(azurite.ConnectionString, options).GetTableClient("conflicts" + Guid.NewGuid().ToString("N")[..12]);
        table.CreateIfNotExists(TestContext.Current.CancellationToken);
        return table;
    }

    [Fact]
    public async Task An_insert_that_finds_its_entity_still_throws_409()
    {
        var table = Table();
        var ct = TestContext.Current.CancellationToken;
        await table.AddEntityAsync(new TableEntity("p", "r"), ct);

        var conflict = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "r"), ct));

        Assert.Equal(409, conflict.Status);
    }

    [Fact]
    public async Task A_write_guarded_by_a_stale_ETag_still_throws_412_and_a_missing_entity_404()
    {
        var table = Table();
        var ct = TestContext.Current.CancellationToken;
        var stale = (await table.AddEntityAsync(new TableEntity("p", "r") { ["v"] = 1 }, ct)).Headers.ETag!.Value;
        await table.UpdateEntityAsync(new TableEntity("p", "r") { ["v"] = 2 }, stale, TableUpdateMode.Replace, ct);

        var precondition = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateEntityAsync(new TableEntity("p", "r") { ["v"] = 3 }, stale, TableUpdateMode.Replace, ct));
        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityAsync<TableEntity>("p", "absent", cancellationToken: ct));

        Assert.Equal(412, precondition.Status);
        Assert.Equal(404, missing.Status);
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>("p", "r", cancellationToken: ct)).Value.GetInt32("v"));
    }
}
