namespace ServerlessProvisioning.Http;

/// <summary>Where a value a handler reads itself comes from.</summary>
public enum ApiParameterLocation
{
    /// <summary>The query string.</summary>
    Query,

    /// <summary>A request header.</summary>
    Header,
}

/// <summary>
/// A query parameter or request header a route's handler reads itself, which its signature cannot show: the OpenAPI
/// document declares it, so generated clients can send it, and a test fails when a handler reads one its route does not
/// list. <see cref="Type"/> is <see cref="string"/>, <see cref="int"/>, <see cref="bool"/>, <see cref="DateTimeOffset"/>
/// (ISO 8601) or an enum (its names, exactly).
/// </summary>
public sealed record ApiParameter(string Name, ApiParameterLocation In, Type Type, string Description, bool Required = false)
{
    /// <summary>A query parameter.</summary>
    public static ApiParameter Query<T>(string name, string description, bool required = false) =>
        new(name, ApiParameterLocation.Query, typeof(T), description, required);

    /// <summary>A request header (its value a string).</summary>
    public static ApiParameter Header(string name, string description, bool required = false) =>
        new(name, ApiParameterLocation.Header, typeof(string), description, required);

    /// <summary>The paging of a list: <c>?pageSize=</c> and <c>?continuationToken=</c>.</summary>
    public static IReadOnlyList<ApiParameter> Paging(int maxPageSize) =>
    [
        Query<int>("pageSize", $"How many items a page holds: 1 to {maxPageSize} (default 50)."),
        Query<string>("continuationToken", "The continuationToken of the previous page, as it came; absent for the first page. Pass the same filters with it."),
    ];

    /// <summary><c>If-Match</c>: the write happens only while the resource is still at one of these versions.</summary>
    public static ApiParameter IfMatch(string description) => Header("If-Match", description);
}

/// <summary>A response header a route sets, on the given statuses.</summary>
public sealed record ApiResponseHeader(string Name, string Description, IReadOnlyList<int> Statuses);

/// <summary>How a route's caller proves who it is, as the OpenAPI document names it (<c>components.securitySchemes</c>).</summary>
public static class ApiSecurity
{
    /// <summary>The operator key scheme: an API key in <see cref="OperatorKeyHeader"/>.</summary>
    public const string OperatorKey = "operatorKey";

    /// <summary>
    /// The operator sign-in scheme, the alternative to <see cref="OperatorKey"/>: a Microsoft Entra ID session or access
    /// token App Service Authentication validates, of someone with the app role <c>Provisioning.Operator</c>.
    /// </summary>
    public const string OperatorSignIn = "operatorSignIn";

    /// <summary>The link token scheme: <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public const string LinkToken = "linkToken";

    /// <summary>The event key scheme: a Functions key in the <see cref="EventKeyQuery"/> query parameter, which an Event Grid webhook URL carries.</summary>
    public const string EventKey = "eventKey";

    /// <summary>The query parameter Azure Functions also reads keys from.</summary>
    public const string EventKeyQuery = "code";

    /// <summary>The header operator routes read the key from (Azure Functions' own).</summary>
    public const string OperatorKeyHeader = "x-functions-key";
}
