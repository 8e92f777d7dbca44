using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Hosting;
using ServerlessProvisioning.Http;

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

    [Fact]
    public async Task Every_route_declares_its_parameters_headers_and_security_scheme()
    {
        using var document = JsonDocument.Parse(await host.Server.Http.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("x-functions-key", schemes.GetProperty(ApiSecurity.OperatorKey).GetProperty("name").GetString());
        Assert.Equal("bearer", schemes.GetProperty(ApiSecurity.LinkToken).GetProperty("scheme").GetString());
        Assert.Equal("bearer", schemes.GetProperty(ApiSecurity.OperatorSignIn).GetProperty("scheme").GetString());

        foreach (var route in ApiEndpoints.All)
        {
            var operation = document.RootElement.GetProperty("paths").GetProperty("/api/" + route.Template).GetProperty(route.Method.ToLowerInvariant());
            var parameters = operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().Select(p => (p.GetProperty("in").GetString(), p.GetProperty("name").GetString())).ToList() : [];
            foreach (var parameter in route.Parameters)
            {
                Assert.Contains((parameter.In == ApiParameterLocation.Query ? "query" : "header", parameter.Name), parameters);
            }

            var security = operation.TryGetProperty("security", out var requirements) ? requirements.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList() : [];
            // Requirements are alternatives: an operator route takes the operator key or an Entra ID sign-in (403 without the role).
            string[] expected = route.SecurityScheme switch
            {
                ApiSecurity.OperatorKey => [ApiSecurity.OperatorKey, ApiSecurity.OperatorSignIn],
                { } scheme => [scheme],
                null => [],
            };
            Assert.Equal(expected, security);
            Assert.Equal(expected.Length, operation.TryGetProperty("security", out var alternatives) ? alternatives.GetArrayLength() : 0);
            Assert.Equal(route.IsOperatorRoute, operation.GetProperty("responses").TryGetProperty("403", out _));
            foreach (var header in route.ResponseHeaders)
            {
                Assert.All(header.Statuses, status => Assert.True(operation.GetProperty("responses").GetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetProperty("headers").TryGetProperty(header.Name, out _), $"{route.Name} {status} {header.Name}"));
            }
        }
    }

    static string Normalize(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
}
