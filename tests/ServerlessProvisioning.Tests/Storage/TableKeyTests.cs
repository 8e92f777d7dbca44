using Azure.Data.Tables;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Storage;

public class TableKeyTests(AzuriteFixture azurite)
{
    public static TheoryData<string> HostileValues => new()
    {
        "plain",
        "a/b\\c#d?e",
        "100%",
        "%2F",
        "~tilde~",
        "tab\there",
        "nul\u0000byte",
        "del\u007fand\u0085next-line",
        "'; DROP TABLE orgs; --",
        "PartitionKey eq 'x' or true",
        "🙂 emoji",
        "lone\ud800surrogate",
        "",
        " ",
        new string('x', 5000),
        new string('/', 800),
    };

    [Theory]
    [MemberData(nameof(HostileValues))]
    public async Task Any_value_encodes_to_a_key_the_service_accepts_and_finds_again(string value)
    {
        var key = TableKey.Encode(value);
        var table = azurite.Tables.GetTableClient(azurite.NewTableNames().Organizations);
        await table.CreateIfNotExistsAsync(TestContext.Current.CancellationToken);

        await table.UpsertEntityAsync(new TableEntity(key, key) { ["Value"] = value.Replace("\u0000", "", StringComparison.Ordinal) }, cancellationToken: TestContext.Current.CancellationToken);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(key, key, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(found.HasValue);
        Assert.True(key.Length <= TableKey.MaxLength);
    }

    [Fact]
    public void Distinct_values_get_distinct_keys()
    {
        var values = HostileValues.Select(row => row.Data)
            .Concat(["a%2Fb", "a/b", "a%252Fb", "x~y", "x%7Ey", new string('x', 5001)])
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(values.Count, values.Select(TableKey.Encode).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("ana@acme.com")]
    [InlineData("org-acme")]
    [InlineData("telef")]
    public void Ordinary_values_stay_readable(string value) => Assert.Equal(value, TableKey.Encode(value));
}
