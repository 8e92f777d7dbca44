using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ServerlessProvisioning.Api;
using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.UnitTests.Api;

/// <summary>
/// The pages' <c>assets/contract.js</c> is what <see cref="PageContract"/> renders from the C#, and every stage, outcome,
/// gone reason, decision and audit action in it has a label in <c>assets/i18n.js</c> in English and in Spanish.
/// </summary>
public class PageContractTests
{
    static readonly string Assets = Path.Combine(
        AzuriteProcess.FindRepositoryRoot() ?? throw new InvalidOperationException("Repository root not found."),
        "src", "ServerlessProvisioning", "Web", "wwwroot", "assets");

    // The pages' own view of both modules, as a browser would load them (node evaluates them once for the class).
    static readonly Lazy<Task<(Dictionary<string, string[]> Contract, Dictionary<string, Dictionary<string, string>> Labels)>> Pages = new(LoadPagesAsync);

    [Fact]
    public void The_checked_in_contract_is_what_the_code_generates()
    {
        // Arrange
        var path = Path.Combine(Assets, Path.GetFileName(PageContract.Path));
        var generated = PageContract.Render();
        if (Environment.GetEnvironmentVariable("UPDATE_CONTRACT") == "1")
        {
            File.WriteAllText(path, generated, new UTF8Encoding(false));
        }

        // Act
        var checkedIn = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "(missing)";

        // Assert
        Assert.True(generated == checkedIn, $"src/ServerlessProvisioning/Web/wwwroot/{PageContract.Path} is out of date: run `{PageContract.UpdateCommand}` and commit it.");
    }

    /// <summary>Where each kind of value has its label (the README's "where a label goes").</summary>
    public static TheoryData<string, string> LabelKeys => new()
    {
        { "stages", "stage.{0}" },
        { "stages", "console.stage.{0}" },
        { "outcomes", "console.outcome.{0}" },
        { "goneReasons", "error.{0}.title" },
        { "goneReasons", "error.{0}.text" },
        { "limitReasons", "limit.{0}" },
        { "approvalDecisions", "decision.{0}" },
        { "approvalDecisions", "console.decision.{0}" },
        { "auditActions", "console.audit.{0}" },
    };

    [Theory]
    [MemberData(nameof(LabelKeys))]
    public async Task Every_value_of_the_contract_has_a_label_in_English_and_Spanish(string list, string keyFormat)
    {
        // Arrange
        var (contract, labels) = await Pages.Value;

        // Act
        var missing = (
            from value in contract[list]
            from language in new[] { "en", "es" }
            let key = string.Format(System.Globalization.CultureInfo.InvariantCulture, keyFormat, value)
            where !labels[language].TryGetValue(key, out var text) || string.IsNullOrWhiteSpace(text)
            select $"{language} '{key}'").ToList();

        // Assert
        Assert.NotEmpty(contract[list]);
        Assert.True(missing.Count == 0, $"assets/i18n.js has no label for {string.Join(", ", missing)}: add it to both dictionaries, or the pages show the raw code.");
    }

    static async Task<(Dictionary<string, string[]>, Dictionary<string, Dictionary<string, string>>)> LoadPagesAsync()
    {
        const string script = """
            const contract = await import(process.argv[1]);
            const { dictionaries } = await import(process.argv[2]);
            const lists = Object.fromEntries(Object.entries(contract).filter(([, v]) => typeof v === 'object')
              .map(([name, v]) => [name, Array.isArray(v) ? v : Object.keys(v)]));
            process.stdout.write(JSON.stringify({ lists, dictionaries }));
            """;
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--no-warnings", "--input-type=module", "-e", script, Url("contract.js"), Url("i18n.js") })
        {
            start.ArgumentList.Add(argument);
        }

        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, $"node could not load the pages' modules: {await errors}");
        using var document = JsonDocument.Parse(await output);
        return (
            document.RootElement.GetProperty("lists").Deserialize<Dictionary<string, string[]>>()!,
            document.RootElement.GetProperty("dictionaries").Deserialize<Dictionary<string, Dictionary<string, string>>>()!);
    }

    static string Url(string asset) => new Uri(Path.Combine(Assets, asset)).AbsoluteUri;
}
