using Microsoft.AspNetCore.Http;

namespace ServerlessProvisioning.Api;

/// <summary>
/// Names the operator behind a request for the audit trail: whoever <see cref="OperatorAccess"/> let in, a signed-in
/// person as "operator:alice@contoso.com", the operator key by its fingerprint, "operator:key-1a2b3c4d".
/// </summary>
public static class OperatorIdentity
{
    /// <summary>The operator's name for the audit trail; "operator" for a request the gate would not let in.</summary>
    public static string Of(HttpRequest request) => OperatorAccess.Decide(request).Operator ?? "operator";
}
