using System.Text.Json;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>infra/ compiles and lints with no diagnostic at all, offline, and uses only local modules.</summary>
public sealed class BicepTemplateTests(InfraFixture infra)
{
    /// <summary>main.bicep and every module under infra/app.</summary>
    public static TheoryData<string> BicepFiles { get; } =
        [.. Directory.EnumerateFiles(BicepCli.InfraDirectory, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(BicepCli.RepositoryRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Build_of_main_bicep_succeeds_without_warnings_or_errors()
    {
        var run = await infra.BuildAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(string.IsNullOrWhiteSpace(run.StandardError), $"bicep build printed diagnostics:{Environment.NewLine}{run.StandardError}");
        using var template = JsonDocument.Parse(run.StandardOutput);
        Assert.Contains("subscriptionDeploymentTemplate", template.RootElement.GetProperty("$schema").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshots_of_main_bicep_evaluate_without_diagnostics()
    {
        foreach (var run in await infra.SnapshotRunsAsync())
        {
            Assert.True(string.IsNullOrWhiteSpace(run.StandardError), run.ToString());
        }

        foreach (var snapshot in new[] { await infra.WithDefaultsAsync(), await infra.WithEveryOptionAsync(), await infra.WithUnverifiedDomainAsync() })
        {
            Assert.Empty(snapshot.Root.GetProperty("diagnostics").EnumerateArray());
        }
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Lint_reports_no_diagnostics(string file)
    {
        var run = await BicepCli.RunAsync(["lint", file, "--diagnostics-format", "sarif"], BicepCli.RepositoryRoot, TestContext.Current.CancellationToken);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var sarif = JsonDocument.Parse(run.StandardOutput);
        var findings = sarif.RootElement.GetProperty("runs").EnumerateArray()
            .SelectMany(r => r.GetProperty("results").EnumerateArray())
            .Select(r => $"{r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()}"
                         + $"({r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32()})"
                         + $": {r.GetProperty("ruleId").GetString()}: {r.GetProperty("message").GetProperty("text").GetString()}")
            .ToList();
        Assert.True(findings.Count == 0, $"bicep lint {file}:{Environment.NewLine}{string.Join(Environment.NewLine, findings)}");
    }

    [Fact]
    public void Every_module_is_linted()
    {
        var files = BicepFiles.Select(row => row.Data).ToList();

        Assert.Contains("infra/main.bicep", files);
        Assert.True(files.Count(f => f.StartsWith("infra/app/", StringComparison.Ordinal)) >= 5, string.Join(", ", files));
    }

    [Fact]
    public void Infra_uses_local_modules_only()
    {
        // No registry (br:, br/public:) or template-spec (ts:) references: the build must not need the internet.
        var offenders = Directory.EnumerateFiles(BicepCli.InfraDirectory, "*", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => l.Text.Contains("'br:", StringComparison.Ordinal)
                        || l.Text.Contains("'br/", StringComparison.Ordinal)
                        || l.Text.Contains("'ts:", StringComparison.Ordinal)
                        || l.Text.Contains("'ts/", StringComparison.Ordinal)
                        || l.Text.Contains("br/public:", StringComparison.Ordinal))
            .Select(l => $"{Path.GetRelativePath(BicepCli.RepositoryRoot, l.File)}({l.Line}): {l.Text.Trim()}")
            .ToList();

        Assert.True(offenders.Count == 0, $"Registry references in infra/:{Environment.NewLine}{string.Join(Environment.NewLine, offenders)}");
    }

    [Fact]
    public void Linter_rules_are_not_switched_off()
    {
        // Diagnostics are fixed in the code, never silenced: a bicepconfig.json may tighten rules but not disable them.
        foreach (var config in Directory.EnumerateFiles(BicepCli.RepositoryRoot, "bicepconfig.json", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(config);
            Assert.DoesNotContain("\"off\"", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\"none\"", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\"info\"", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\"enabled\": false", text, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var file in Directory.EnumerateFiles(BicepCli.InfraDirectory, "*.bicep", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("#disable-next-line", File.ReadAllText(file), StringComparison.Ordinal);
            Assert.DoesNotContain("#disable-diagnostics", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}
