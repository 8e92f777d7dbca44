namespace ServerlessProvisioning.Http;

/// <summary>Who calls a route. Operator routes need the operator key; the others carry their own proof (a signature, a link token).</summary>
public enum ApiAudience
{
    /// <summary>The order system: the signed webhook.</summary>
    OrderSystem,

    /// <summary>People who run provisioning, with the operator key (<c>x-functions-key</c>).</summary>
    Operator,

    /// <summary>The provisioning contact, through the wizard link.</summary>
    Wizard,

    /// <summary>An existing full administrator, through the approval link.</summary>
    Approver,
}

/// <summary>
/// One route of the HTTP API, relative to <c>/api</c>. <see cref="Handler"/> is what the local host maps (its typed
/// result gives the OpenAPI document the success answers); the Functions host declares a trigger calling the same
/// method, and a test keeps both hosts' routes equal. <see cref="Body"/> and <see cref="Problems"/> describe what
/// the signature cannot: the body the handler reads itself (JSON unless <see cref="BodyMediaType"/> says otherwise),
/// and the problem statuses it may answer.
/// </summary>
public sealed record ApiRoute(string Name, string Method, string Template, ApiAudience Audience, Delegate Handler, Type? Body, IReadOnlyList<int> Problems, string Summary, string BodyMediaType = "application/json")
{
    /// <summary>Whether the route needs the operator key.</summary>
    public bool RequiresOperatorKey => Audience == ApiAudience.Operator;

    /// <summary>The OpenAPI tag: the resource its URL names.</summary>
    public string Tag => Template.Split('/')[0] switch
    {
        "orders" or "order-counts" => "Orders",
        "wizard" => "Wizard",
        "organizations" => "Organizations",
        _ => "Approvals",
    };
}
