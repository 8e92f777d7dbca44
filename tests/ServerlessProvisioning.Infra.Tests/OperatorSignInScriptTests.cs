using System.Diagnostics;
using System.Text.Json;
using ServerlessProvisioning.Api;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// infra/scripts/operator-sign-in.sh, the part of operator sign-in Bicep cannot do (the app registration and its app
/// role), run against stand-ins for az and azd that record what they were asked and answer like a fresh tenant.
/// </summary>
public sealed class OperatorSignInScriptTests : IDisposable
{
    const string AppId = "3f2a9c1e-5b7d-4e8f-a1c3-6d9b2e4f7a05";
    const string ExistingRoleId = "6c1f2e3d-4b5a-4968-8776-a5b4c3d2e1f0";

    static readonly string Script = Path.Combine(BicepCli.InfraDirectory, "scripts", "operator-sign-in.sh");

    readonly string directory = Directory.CreateTempSubdirectory("operator-sign-in-").FullName;

    string Log => Path.Combine(directory, "calls.log");

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(directory, recursive: true);

    // az and azd as shell functions of a fake PATH: each call is logged, PATCH/POST bodies are copied, answers are canned.
    void WriteFakes(string existingRoleId)
    {
        File.WriteAllText(Path.Combine(directory, "azd"), $$"""
            #!/usr/bin/env bash
            echo "azd $*" >> '{{Log}}'
            case "$*" in
              "env get-value AZURE_ENV_NAME") echo prov-dev ;;
              "env get-value SERVICE_API_URI") echo https://func-api-abc.azurewebsites.net ;;
              "env get-value OPERATOR_SIGN_IN_CLIENT_ID") exit 1 ;;
            esac
            """.Replace("\r", "", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(directory, "az"), $$"""
            #!/usr/bin/env bash
            echo "az $*" >> '{{Log}}'
            for a in "$@"; do case "$a" in @*) n=$(ls '{{directory}}' | grep -c '^body-'); cp "${a#@}" '{{directory}}'/body-$n.json ;; esac; done
            case "$*" in
              "ad app list"*) echo "" ;;
              "ad app create"*) echo {{AppId}} ;;
              *"appRoles[?value"*) echo "{{existingRoleId}}" ;;
              *"oauth2PermissionScopes"*) echo "" ;;
              "ad app show"*) echo 11111111-0000-4000-8000-000000000001 ;;
              "cloud show"*) echo https://graph.microsoft.com/ ;;
              "ad sp show --id {{AppId}}"*) exit 3 ;;
              "ad sp create"*) echo 22222222-0000-4000-8000-000000000002 ;;
              "ad user show"*) echo 33333333-0000-4000-8000-000000000003 ;;
              *"appRoleAssignedTo --query"*) echo 0 ;;
            esac
            """.Replace("\r", "", StringComparison.Ordinal));
        // The Bicep CLI these tests use is linux-x64 already; so is the script's shell.
        foreach (var fake in new[] { "az", "azd" })
        {
            if (OperatingSystem.IsWindows())
            {
                continue;
            }

            File.SetUnixFileMode(Path.Combine(directory, fake), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = directory + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }

    JsonElement Body(int index)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, $"body-{index}.json")));
        return document.RootElement.Clone();
    }

    [Fact]
    public void The_script_declares_the_role_the_operator_routes_require()
    {
        Assert.Contains($"ROLE_VALUE='{OperatorAccess.Role}'", File.ReadAllText(Script), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_run_creates_the_registration_with_the_operator_role_for_people_and_applications()
    {
        WriteFakes(existingRoleId: "");

        var (exitCode, output) = await RunAsync("--assign-user", "alice@contoso.com");

        Assert.True(exitCode == 0, output);
        var app = Body(0);
        var role = Assert.Single(app.GetProperty("appRoles").EnumerateArray());
        Assert.Equal(OperatorAccess.Role, role.GetProperty("value").GetString());
        Assert.Equal(["User", "Application"], role.GetProperty("allowedMemberTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.True(role.GetProperty("isEnabled").GetBoolean());
        Assert.Equal($"api://{AppId}", Assert.Single(app.GetProperty("identifierUris").EnumerateArray()).GetString());
        Assert.Equal(2, app.GetProperty("api").GetProperty("requestedAccessTokenVersion").GetInt32());
        // App Service Authentication's browser sign-in: ID tokens posted back to the app's callback.
        Assert.Equal("https://func-api-abc.azurewebsites.net/.auth/login/aad/callback", Assert.Single(app.GetProperty("web").GetProperty("redirectUris").EnumerateArray()).GetString());
        Assert.True(app.GetProperty("web").GetProperty("implicitGrantSettings").GetProperty("enableIdTokenIssuance").GetBoolean());
        // Azure CLI may ask for tokens without a consent prompt.
        Assert.Equal("04b07795-8ddb-461a-bbee-02f9e1bf7b46", Body(1).GetProperty("api").GetProperty("preAuthorizedApplications")[0].GetProperty("appId").GetString());
        // Alice is assigned the role just declared, and only assigned principals may sign in.
        var assignment = Body(2);
        Assert.Equal(role.GetProperty("id").GetString(), assignment.GetProperty("appRoleId").GetString());
        Assert.Equal("33333333-0000-4000-8000-000000000003", assignment.GetProperty("principalId").GetString());
        var calls = await File.ReadAllLinesAsync(Log, TestContext.Current.CancellationToken);
        Assert.Contains(calls, c => c.StartsWith("az ad sp update", StringComparison.Ordinal) && c.Contains("appRoleAssignmentRequired=true", StringComparison.Ordinal));
        Assert.Contains($"azd env set OPERATOR_SIGN_IN_CLIENT_ID {AppId}", calls);
    }

    [Fact]
    public async Task A_second_run_keeps_the_role_s_id()
    {
        // Microsoft Graph refuses to change the id of an enabled role; the script reads it back instead.
        WriteFakes(existingRoleId: ExistingRoleId);

        var (exitCode, output) = await RunAsync();

        Assert.True(exitCode == 0, output);
        Assert.Equal(ExistingRoleId, Body(0).GetProperty("appRoles")[0].GetProperty("id").GetString());
    }
}
