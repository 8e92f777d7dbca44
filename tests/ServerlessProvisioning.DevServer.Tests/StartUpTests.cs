using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.DevServer.Tests;

/// <summary>
/// A newcomer's first minutes: <c>./run.sh</c> starts as the README and docs/api.md show it (the sample organizations
/// loaded, no warning for the storage conflicts seeding expects, a shortened lifetime that works as written), and a
/// host that cannot start says why in one line, exits non-zero and leaves no Azurite behind.
/// </summary>
public class StartUpTests
{
    static readonly string Root = AzuriteProcess.FindRepositoryRoot()!;

    [Theory]
    [InlineData("")]
    [InlineData("Provisioning__InvitationLifetime=00:00:20")]
    public async Task Run_sh_starts_as_documented_with_the_sample_organizations_and_no_warnings(string variable)
    {
        SkipUnlessAzuriteIsInstalled();
        var environment = Documented(variable);
        await using var host = await HostProcess.StartAsync(["bash", Path.Combine(Root, "run.sh")], environment, TimeSpan.FromMinutes(4));

        using var organization = await host.OperatorGetAsync("/api/organizations/org-acme");
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Http.BaseAddress };
        using var root = await noRedirects.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, organization.StatusCode);
        // What the failed starts below must leave none of; seen here, so their check can see one.
        Assert.True(host.RunsAzurite(), "the host started an Azurite of its own");
        Assert.Contains("Loaded 14 organizations from", host.Output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(Root, "samples", "organizations.json"), host.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, root.StatusCode);
        Assert.Equal("/console/", root.Headers.Location?.OriginalString);
        // Seeding inserts index entities two sample organizations share, then merges them: conflicts it expects.
        Assert.DoesNotContain("409 Conflict", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("warn: Azure.Core", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_20_second_invitation_the_reminder_and_the_expiry_both_come_within_it()
    {
        // The built host with run.sh's arguments (none but the test's --urls): the test above covers the script itself.
        await using var host = await HostProcess.StartAsync(["dotnet", LocalHostProcess.FindDll()], Documented("Provisioning__InvitationLifetime=00:00:20"), TimeSpan.FromMinutes(2));
        var orderId = "first-hour-" + Guid.NewGuid().ToString("N")[..8];

        using var posted = await host.PostOrderAsync(LocalHostFixture.Order(orderId));
        var mail = await host.WaitForMailAsync(orderId, m => m.Any(e => e.Kind == EmailKind.Outcome), "the reminder, then the expiry", TimeSpan.FromSeconds(90));

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        Assert.Equal([EmailKind.Invitation, EmailKind.InvitationReminder, EmailKind.Outcome], mail.Select(m => m.Kind));
        var reminded = mail[1].SentAt - mail[0].SentAt;
        Assert.InRange(reminded.TotalSeconds, 10, 20);
    }

    [Fact]
    public async Task Without_seed_from_another_directory_the_samples_load_and_seed_none_starts_empty()
    {
        var elsewhere = Directory.CreateTempSubdirectory("devserver-cwd-").FullName;
        await using (var host = await HostProcess.StartAsync(["dotnet", LocalHostProcess.FindDll()], Documented(string.Empty), TimeSpan.FromMinutes(2), elsewhere))
        {
            using var organization = await host.OperatorGetAsync("/api/organizations/org-acme");
            Assert.Equal(HttpStatusCode.OK, organization.StatusCode);
        }

        await using (var host = await HostProcess.StartAsync(["dotnet", LocalHostProcess.FindDll(), "--seed", "none"], Documented(string.Empty), TimeSpan.FromMinutes(2), elsewhere))
        {
            using var organization = await host.OperatorGetAsync("/api/organizations/org-acme");
            Assert.Equal(HttpStatusCode.NotFound, organization.StatusCode);
            Assert.DoesNotContain("Loaded", host.Output, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string, string> ConfigurationErrors() => new()
    {
        { "Provisioning__InvitationLifetime", "20s", "Provisioning:InvitationLifetime is not a duration" },
        { "Provisioning__InvitationReminderBefore", "40.00:00:00", "Provisioning:InvitationReminderBefore (40.00:00:00) must be shorter than Provisioning:InvitationLifetime (30.00:00:00)" },
        { "Provisioning__LinkTokenSecret", "@Microsoft.KeyVault(VaultName=kv-first-hour;SecretName=LinkTokenSecret)", "Provisioning:LinkTokenSecret is an unresolved Key Vault reference" },
        { "Provisioning__PublicBaseUrl", "not a url", "Provisioning:PublicBaseUrl" },
        { "ASPNETCORE_ENVIRONMENT", "Production", "Email:AcsEndpoint (or Email:AcsConnectionString) and Email:SenderAddress are required outside Development" },
    };

    [Theory]
    [MemberData(nameof(ConfigurationErrors))]
    public async Task A_configuration_error_is_one_line_without_a_stack_trace_a_non_zero_exit_and_no_Azurite_left(string key, string value, string expected)
    {
        var environment = Documented(string.Empty);
        environment[key] = value;

        var (exitCode, output, marker) = await HostProcess.RunToExitAsync(["dotnet", LocalHostProcess.FindDll(), "--urls", $"http://127.0.0.1:{FreePort.Find()}"], environment);

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("kv-first-hour", line, StringComparison.Ordinal);
        await HostProcess.NoneLeftAsync(marker);
    }

    [Fact]
    public async Task A_seed_that_cannot_be_read_or_a_port_already_taken_leaves_no_Azurite_either()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-seed-" + Guid.NewGuid().ToString("N") + ".json");
        var (seedExit, seedOutput, seedMarker) = await HostProcess.RunToExitAsync(["dotnet", LocalHostProcess.FindDll(), "--urls", $"http://127.0.0.1:{FreePort.Find()}", "--seed", missing], Documented(string.Empty));

        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (portExit, _, portMarker) = await HostProcess.RunToExitAsync(["dotnet", LocalHostProcess.FindDll(), "--urls", $"http://127.0.0.1:{port}", "--seed", "none"], Documented(string.Empty));

        Assert.NotEqual(0, seedExit);
        Assert.Contains($"Cannot load --seed {missing}", seedOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, portExit);
        await HostProcess.NoneLeftAsync(seedMarker);
        await HostProcess.NoneLeftAsync(portMarker);
    }

    // run.sh runs `npm ci` when node_modules is missing or older than package-lock.json. ./test.sh has run it already;
    // a test must not reinstall (or replace a shared, linked node_modules) behind the developer's back.
    static void SkipUnlessAzuriteIsInstalled()
    {
        var modules = Path.Combine(Root, "node_modules");
        var installed = File.Exists(Path.Combine(modules, ".bin", "azurite"))
            && File.GetLastWriteTimeUtc(Path.Combine(modules, ".package-lock.json")) >= File.GetLastWriteTimeUtc(Path.Combine(Root, "package-lock.json"));
        Assert.SkipUnless(installed, "node_modules is missing or older than package-lock.json, so ./run.sh would run npm ci first: run npm ci (or ./test.sh).");
    }

    // The environment the docs show, plus the fixed secret and key the test host's helpers sign and read with.
    static Dictionary<string, string> Documented(string variable)
    {
        var environment = new Dictionary<string, string>
        {
            ["Provisioning__OrderWebhookSecret"] = LocalHost.Secret,
            ["Provisioning__OperatorKey"] = LocalHost.OperatorKey,
        };
        if (variable.Split('=', 2) is [var key, var value])
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>
    /// The local host started as a person starts it (<c>./run.sh</c>, or the built DLL), with no storage of its own so it
    /// starts its own Azurite. Every process it starts inherits a marker variable, so the test can see that none is left.
    /// </summary>
    sealed class HostProcess : LocalHost
    {
        readonly Process process;
        readonly StringBuilder output;
        readonly string marker;

        HostProcess(Process process, StringBuilder output, string marker, HttpClient http)
            : base(http)
        {
            this.process = process;
            this.output = output;
            this.marker = marker;
        }

        public string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        public static async Task<HostProcess> StartAsync(string[] command, Dictionary<string, string> environment, TimeSpan timeout, string? workingDirectory = null)
        {
            var port = FreePort.Find();
            var (process, output, marker) = Launch([.. command, "--urls", $"http://127.0.0.1:{port}"], environment, workingDirectory);
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            var host = new HostProcess(process, output, marker, http);
            try
            {
                // Listening and seeded: the banner comes after both.
                await Eventually.WaitAsync(() => Task.FromResult(process.HasExited || host.Output.Contains("Serverless Provisioning is running at", StringComparison.Ordinal)), done => done, timeout, "the host to start");
                Assert.False(process.HasExited, $"The host exited with {(process.HasExited ? process.ExitCode : 0)}:{Environment.NewLine}{host.Output}");
                return host;
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
        }

        public static async Task<(int ExitCode, string Output, string Marker)> RunToExitAsync(string[] command, Dictionary<string, string> environment)
        {
            var (process, output, marker) = Launch(command, environment, workingDirectory: null);
            using (process)
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                try
                {
                    await process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    throw new TimeoutException($"The host did not stop:{Environment.NewLine}{output}");
                }

                // The asynchronous readers have seen the end of both streams once WaitForExit returns without a timeout.
                process.WaitForExit();
                lock (output)
                {
                    return (process.ExitCode, output.ToString(), marker);
                }
            }
        }

        /// <summary>Whether an Azurite carrying this host's marker runs.</summary>
        public bool RunsAzurite() => Carrying(marker).Any(pid =>
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline").Contains("azurite", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });

        /// <summary>Waits until no process carries <paramref name="marker"/> (Azurite among them), failing after a deadline.</summary>
        public static async Task NoneLeftAsync(string marker)
        {
            Assert.SkipUnless(Directory.Exists("/proc"), "Finding the processes a host started needs /proc.");
            await Eventually.WaitAsync(() => Task.FromResult(Carrying(marker)), pids => pids.Count == 0, TimeSpan.FromSeconds(30), "the host's processes (Azurite) to stop");
        }

        public override async ValueTask DisposeAsync()
        {
            // Like closing the terminal: the script, the host and the Azurite it started all go.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
            Http.Dispose();
            foreach (var pid in Carrying(marker))
            {
                try
                {
                    using var left = Process.GetProcessById(pid);
                    left.Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                    // Gone already.
                }
            }
        }

        static (Process Process, StringBuilder Output, string Marker) Launch(string[] command, Dictionary<string, string> environment, string? workingDirectory)
        {
            var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? Root };
            foreach (var argument in command[1..])
            {
                info.ArgumentList.Add(argument);
            }

            // Nothing of the test run's storage: the host starts its own Azurite, as for a newcomer.
            info.Environment.Remove("AzureWebJobsStorage");
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }

            var marker = "first-hour-" + Guid.NewGuid().ToString("N");
            info.Environment["SERVERLESS_PROVISIONING_TEST_MARKER"] = marker;
            var output = new StringBuilder();
            var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return (process, output, marker);
        }

        static List<int> Carrying(string marker)
        {
            var pids = new List<int>();
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), out var pid))
                {
                    continue;
                }

                try
                {
                    if (File.ReadAllText(Path.Combine(directory, "environ")).Contains(marker, StringComparison.Ordinal))
                    {
                        pids.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone, or not ours.
                }
            }

            return pids;
        }
    }
}
