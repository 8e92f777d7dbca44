using System.Text.RegularExpressions;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// The runbook's commands use the credential the operator routes take (docs/deploy.md, step 6; OperatorAccess): an Entra
/// ID sign-in or the operator key in <c>x-functions-key</c>, never a Functions host key, which the app refuses.
/// </summary>
public sealed partial class RunbookTests
{
    static readonly string[] Lines = File.ReadAllLines(Path.Combine(BicepCli.RepositoryRoot, "docs", "operations.md"));

    [Fact]
    public void The_runbook_takes_the_operator_key_or_a_sign_in_and_never_a_Functions_key()
    {
        var auth = Lines.Where(l => AuthAssignment().IsMatch(l)).ToList();

        Assert.Contains(auth, l => l.Contains("\"x-functions-key: $OPERATOR_KEY\"", StringComparison.Ordinal));
        Assert.Contains(auth, l => l.Contains("Authorization: Bearer $(az account get-access-token --scope \"$OPERATOR_SIGN_IN_SCOPE\"", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines, l => l.Contains("$(az functionapp keys", StringComparison.Ordinal) || l.Contains("functionKeys", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_call_of_an_operator_route_in_the_runbook_sends_that_credential()
    {
        var calls = Lines.Where(l => l.Contains("curl ", StringComparison.Ordinal) && l.Contains("$URI/api/", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(calls);
        Assert.All(calls, call => Assert.Contains("-H \"$AUTH\"", call, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\s*AUTH=")]
    private static partial Regex AuthAssignment();
}
