using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>docs/openapi.json is what the local host serves at /openapi/v1.json, so clients can be generated from the repository.</summary>
public class OpenApiDocumentTests(ProcessHostFixture host) : IClassFixture<ProcessHostFixture>
{
    [Fact]
    public async Task The_checked_in_document_equals_the_served_one()
    {
        var served = Normalize(await host.Server.Http.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var path = Path.Combine(AzuriteProcess.FindRepositoryRoot()!, "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, served, TestContext.Current.CancellationToken);
        }

        var checkedIn = File.Exists(path) ? Normalize(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)) : "(missing)";

        Assert.True(served == checkedIn, "docs/openapi.json is out of date: run `UPDATE_OPENAPI=1 dotnet test tests/ServerlessProvisioning.DevServer.Tests --filter OpenApi` and commit it.");
    }

    [Fact]
    public async Task Every_API_route_is_described_with_its_error_codes()
    {
        using var document = JsonDocument.Parse(await host.Server.Http.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var post = document.RootElement.GetProperty("paths").GetProperty("/api/orders").GetProperty("post");

        Assert.Equal("OrderRequest", post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!.Split('/')[^1]);
        Assert.Equal(["200", "202", "400", "401", "409", "413", "415", "503"], post.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order());
    }

    static string Normalize(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
}
