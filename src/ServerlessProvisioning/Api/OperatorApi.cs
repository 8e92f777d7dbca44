using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessProvisioning.Http;

namespace ServerlessProvisioning.Api;

/// <summary>Who the operator routes take the caller for: the console asks this first, to know whether to show a sign-in.</summary>
/// <param name="Name">The caller as the console shows them: the sign-in name, or the key's fingerprint (<c>key-1a2b3c4d</c>).</param>
/// <param name="Operator">The caller as the audit trail names them (<c>operator:…</c>).</param>
/// <param name="Credential">How the caller proved they may operate.</param>
public sealed record OperatorSession(string Name, string Operator, OperatorCredential Credential);

/// <summary>The operator's own route: who am I.</summary>
public static class OperatorApi
{
    /// <summary>The routes, for both hosts.</summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        new("WhoAmI", "GET", "operator", ApiAudience.Operator,
            (HttpRequest request) => WhoAmI(request),
            null, [401, 403],
            "Who the operator routes take the caller for: a person signed in with Microsoft Entra ID (App Service Authentication, app role Provisioning.Operator) or the operator key. A 401 carries signIn, where to sign in, when sign-in is on."),
    ];

    /// <summary>GET /api/operator: the caller the gate let in (it runs before this handler on both hosts).</summary>
    public static Results<Ok<OperatorSession>, ProblemHttpResult> WhoAmI(HttpRequest request)
    {
        var decision = OperatorAccess.Decide(request);
        if (decision is not { Operator: { } name, Credential: { } credential })
        {
            return decision.Problem ?? Problems.Unauthorized("Not an operator.");
        }

        return TypedResults.Ok(new OperatorSession(name["operator:".Length..], name, credential));
    }
}
