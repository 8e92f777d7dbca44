using System.Diagnostics;
using ServerlessProvisioning.DevTools;

namespace ServerlessProvisioning.ClientTests;

/// <summary>
/// Generated/ is what Kiota (the version in .config/dotnet-tools.json) generates from docs/openapi.json today, so the
/// client the other tests drive is the one any reader of the document would get, and it cannot go stale.
/// </summary>
public class GeneratedClientTests
{
    const string GeneratedFolder = "tests/ServerlessProvisioning.ClientTests/Generated";

    // Where the description was read from, relative to the output: differs between the checked-in folder and a scratch one.
    const string LocationMember = "\"descriptionLocation\"";

    [Fact]
    public async Task The_checked_in_client_is_what_Kiota_generates_from_the_document()
    {
        var root = AzuriteProcess.FindRepositoryRoot()!;
        var update = Environment.GetEnvironmentVariable("UPDATE_CLIENT") == "1";
        var output = update ? Path.Combine(root, GeneratedFolder) : Path.Combine(Path.GetTempPath(), "kiota-" + Guid.NewGuid().ToString("N"));
        try
        {
            await KiotaAsync(root, output);
            var expected = Files(output);
            var actual = Files(Path.Combine(root, GeneratedFolder));

            var differing = expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
                .Where(f => !expected.TryGetValue(f, out var e) || !actual.TryGetValue(f, out var a) || e != a)
                .ToList();
            Assert.True(
                differing.Count == 0,
                $"{GeneratedFolder} is not what Kiota generates from docs/openapi.json ({string.Join(", ", differing.Take(10))}): run `UPDATE_CLIENT=1 dotnet test tests/ServerlessProvisioning.ClientTests --filter GeneratedClient` and commit it.");
        }
        finally
        {
            if (!update && Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    // The command docs/api.md gives, run through the tool manifest (restored first, as on a fresh machine), offline.
    static async Task KiotaAsync(string root, string output)
    {
        await RunAsync(root, "tool", "restore");
        await RunAsync(root, "kiota", "generate", "-d", "docs/openapi.json", "-l", "CSharp", "-c", "ProvisioningClient", "-n", "ServerlessProvisioning.Client", "--ebc", "--co", "-o", Path.GetRelativePath(root, output));
    }

    static async Task RunAsync(string root, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No update check or tips: the generation needs no network once the tool is restored.
        start.Environment["KIOTA_OFFLINE_ENABLED"] = "true";
        start.Environment["KIOTA_TUTORIAL_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    static Dictionary<string, string> Files(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f) != ".kiota.log")
                .ToDictionary(
                    f => Path.GetRelativePath(folder, f).Replace('\\', '/'),
                    f => string.Join('\n', File.ReadAllLines(f).Where(line => !line.TrimStart().StartsWith(LocationMember, StringComparison.Ordinal))))
            : [];
}
