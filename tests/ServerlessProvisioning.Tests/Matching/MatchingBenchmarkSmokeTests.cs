using System.Diagnostics;
using System.Text.Json;
using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.Tests.Matching;

/// <summary>
/// Runs the benchmark (bench/ServerlessProvisioning.Bench) on a small synthetic customer base: the harness keeps
/// working, and the indexed matcher, the naive table-filtering matcher and <c>ReferenceMatcher</c> give the same
/// answers to its 600 Rule A / Rule B / miss submissions; the NDJSON import creates every organization with
/// consistent indexes, importing it again writes nothing, and single PUTs answer as they should (the benchmark
/// exits 1 when any of that is not so).
/// </summary>
public class MatchingBenchmarkSmokeTests
{
    [Fact]
    public async Task The_benchmark_runs_its_three_matchers_agree_and_the_directory_imports_right_on_300_synthetic_organizations()
    {
        var root = AzuriteProcess.FindRepositoryRoot() ?? throw new InvalidOperationException("Repository root not found.");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var bench = Path.Combine(root, "bench", "ServerlessProvisioning.Bench", "bin", configuration, "net10.0", "ServerlessProvisioning.Bench.dll");
        Assert.True(File.Exists(bench), $"Build the solution first ({bench}).");
        var output = Path.Combine(Path.GetTempPath(), $"bench-smoke-{Guid.NewGuid():N}.json");
        var info = new ProcessStartInfo("dotnet", [bench, "--sizes", "300", "--no-wizard", "--naive", "20", "--puts", "60", "--output", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        try
        {
            Assert.True(process.ExitCode == 0, $"The benchmark exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
            using var results = JsonDocument.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
            var matching = Assert.Single(results.RootElement.GetProperty("matching").EnumerateArray());
            Assert.Equal(300, matching.GetProperty("organizations").GetInt32());
            foreach (var field in new[] { "p50Ms", "p95Ms", "p99Ms", "pointReadMedianMs", "naiveP95Ms" })
            {
                Assert.True(matching.GetProperty(field).GetDouble() > 0, field);
            }

            Assert.Equal(600, matching.GetProperty("submissions").GetInt32());
            Assert.Equal(0, matching.GetProperty("referenceMismatches").GetInt32());
            Assert.Equal(0, matching.GetProperty("naiveMismatches").GetInt32());
            Assert.Equal(0, matching.GetProperty("consistencyProblems").GetInt32());

            var import = Assert.Single(results.RootElement.GetProperty("import").EnumerateArray());
            Assert.Equal(300, import.GetProperty("organizations").GetInt32());
            Assert.Equal(300, import.GetProperty("created").GetInt32());
            Assert.Equal(300, import.GetProperty("repeatUnchanged").GetInt32());
            Assert.Equal(0, import.GetProperty("repeatWrites").GetInt64());
            Assert.Equal(0, import.GetProperty("consistencyProblems").GetInt32());
            foreach (var field in new[] { "importOrganizationsPerSecond", "bulkLoadOrganizationsPerSecond", "ratio", "repeatOrganizationsPerSecond" })
            {
                Assert.True(import.GetProperty(field).GetDouble() > 0, field);
            }

            var put = Assert.Single(results.RootElement.GetProperty("put").EnumerateArray());
            Assert.Equal(60, put.GetProperty("puts").GetInt32());
            Assert.Equal(0, put.GetProperty("unexpectedOutcomes").GetInt32());
            Assert.Equal(0, put.GetProperty("consistencyProblems").GetInt32());
            foreach (var field in new[] { "p50Ms", "p95Ms", "p99Ms" })
            {
                Assert.True(put.GetProperty(field).GetDouble() > 0, field);
            }
        }
        finally
        {
            File.Delete(output);
        }
    }
}
