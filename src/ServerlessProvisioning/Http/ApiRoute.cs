namespace ServerlessProvisioning.Http;

/// <summary>Who calls a route. Operator routes need the operator key; the others carry their own proof (a signature, a link token).</summary>
public enum ApiAudience
{
    /// <summary>The order system: the signed webhook.</summary>
    OrderSystem,

    /// <summary>People who run provisioning, signed in with the operator role, and machines with the operator key (<c>x-functions-key</c>).</summary>
    Operator,

    /// <summary>The provisioning contact, through the wizard link.</summary>
    Wizard,

    /// <summary>An existing full administrator, through the approval link.</summary>
    Approver,

    /// <summary>The email service's events (ACS delivery reports through Event Grid), with a Functions key in <c>?code=</c>.</summary>
    EmailService,
}

/// <summary>
/// One route of the HTTP API, relative to <c>/api</c>. <see cref="Handler"/> is what the local host maps (its typed
/// result gives the OpenAPI document the success answers); the Functions host declares a trigger calling the same
/// method, and a test keeps both hosts' routes equal. <see cref="Body"/> and <see cref="Problems"/> describe what
/// the signature cannot: the body the handler reads itself (JSON unless <see cref="BodyMediaType"/> says otherwise),
/// and the problem statuses it may answer; <see cref="Parameters"/> the query parameters and headers it reads itself,
/// <see cref="ResponseHeaders"/> the headers it sets, and <see cref="SecurityScheme"/> (from the audience) the proof it takes.
/// </summary>
public sealed record ApiRoute(string Name, string Method, string Template, ApiAudience Audience, Delegate Handler, Type? Body, IReadOnlyList<int> Problems, string Summary, string BodyMediaType = "application/json")
{
    /// <summary>The query parameters and request headers the handler reads itself (not its path's, not its proof's).</summary>
    public IReadOnlyList<ApiParameter> Parameters { get; init; } = [];

    /// <summary>
    /// The media type of a success answer the handler streams itself (its result type cannot say what it holds), with
    /// <see cref="Body"/>'s counterpart: the type of each item. Null for handlers whose typed result describes the answer.
    /// </summary>
    public (int Status, Type Item, string MediaType)? StreamedResponse { get; init; }

    /// <summary>The headers the handler sets on its answers, beyond those every <c>/api</c> answer carries.</summary>
    public IReadOnlyList<ApiResponseHeader> ResponseHeaders { get; init; } = [];

    /// <summary>
    /// The security scheme the route takes (<see cref="ApiSecurity"/>), or null: operator routes take the operator key;
    /// link routes take the token as a bearer token, except those with <c>{token}</c> in their path, which read it
    /// there and nothing else (<c>WorkflowGateway.TokenOf</c>); the webhook proves itself by its signature header.
    /// </summary>
    public string? SecurityScheme => Audience switch
    {
        ApiAudience.Operator => ApiSecurity.OperatorKey,
        ApiAudience.EmailService => ApiSecurity.EventKey,
        ApiAudience.Wizard or ApiAudience.Approver when !Template.Contains("{token}", StringComparison.Ordinal) => ApiSecurity.LinkToken,
        _ => null,
    };

    /// <summary>Whether the route is an operator route: <c>OperatorAccess</c> decides who may call it.</summary>
    public bool IsOperatorRoute => Audience == ApiAudience.Operator;

    /// <summary>
    /// Whether the route is an event route: in Azure a Functions key in <c>?code=</c> (<c>AuthorizationLevel.Function</c>),
    /// as an Event Grid webhook URL carries it; on the local host the operator key stands in for it.
    /// </summary>
    public bool TakesEventKey => Audience == ApiAudience.EmailService;

    /// <summary>The OpenAPI tag: the resource its URL names.</summary>
    public string Tag => Template.Split('/')[0] switch
    {
        "orders" or "order-counts" => "Orders",
        "wizard" => "Wizard",
        "operator" => "Operator",
        "organizations" => "Organizations",
        "events" => "Events",
        _ => "Approvals",
    };
}
