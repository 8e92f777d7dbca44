using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Notifications;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Reliability.Tests;

/// <summary>
/// The local host started the way a person or a service manager starts a built DLL — <c>dotnet path/to/ServerlessProvisioning.DevServer.dll</c>
/// from another working directory — logging at Information. DevServerProcess starts it from the test's output folder, which happens
/// to hold a copy of the host's appsettings.json; here the folder is empty.
/// </summary>
public class ForeignDirectoryLogTests
{
    [Fact]
    public async Task Logs_hold_no_link_token_when_the_host_runs_from_another_directory()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var directory = Directory.CreateTempSubdirectory("devserver-cwd-");
        var port = FreePort.Find();
        var output = new StringBuilder();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory.FullName };
        info.ArgumentList.Add(LocalHostProcess.FindDll());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.ArgumentList.Add("--seed");
        info.ArgumentList.Add(ReliabilityHost.SamplePath);
        info.Environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        info.Environment["Provisioning__OrderWebhookSecret"] = DevServerProcess.Secret;
        info.Environment["Provisioning__OperatorKey"] = DevServerProcess.OperatorKey;
        info.Environment["Provisioning__LinkTokenSecret"] = ReliabilityHost.LinkTokenSecret;
        info.Environment["Logging__LogLevel__Default"] = "Information";
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Eventually.WaitAsync(async () => { try { return (await http.GetAsync("/dev/mailbox?orderId=-")).IsSuccessStatusCode; } catch (HttpRequestException) { return false; } }, up => up, ReliabilityHost.StepTimeout, "the host to listen");

            var orderId = ReliabilityHost.NewId("cwd");
            var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ReliabilityHost.Order(orderId), Json.Options);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add(OrderSystem.WebhookSignature.Header, OrderSystem.WebhookSignature.Sign(body, DevServerProcess.Secret, DateTimeOffset.UtcNow));
            Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(request)).StatusCode);
            var mail = await Eventually.WaitAsync(() => http.GetFromJsonAsync<List<MailboxEntry>>($"/dev/mailbox?orderId={orderId}", Json.Options), m => m!.Count > 0, ReliabilityHost.StepTimeout, "the invitation");
            var token = mail![0].WizardToken!;
            using var submitted = await http.PostAsJsonAsync($"/api/wizard/{token}/submission", new { companyName = "Contoso", adminEmail = "megan@contoso.com" }, Json.Options);
            Assert.True(submitted.IsSuccessStatusCode);

            string log;
            lock (output)
            {
                log = output.ToString();
            }

            Assert.DoesNotContain(token, log, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            directory.Delete(recursive: true);
        }
    }
}
