using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Http;

/// <summary>
/// RFC 9457 problem responses, all <c>application/problem+json</c>. Every one is a <see cref="ProblemHttpResult"/>
/// (validation too, with its <c>errors</c> map), so a handler's typed result is its success types plus this one.
/// </summary>
public static class Problems
{
    /// <summary>A problem with a status, a title and a useful detail.</summary>
    public static ProblemHttpResult Create(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: $"https://httpstatuses.io/{status}", extensions: extensions);

    /// <summary>400 with an <c>errors</c> map: every invalid field with what is wrong with it.</summary>
    public static ProblemHttpResult Validation(Dictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Invalid request",
            Type = "https://httpstatuses.io/400",
            Detail = detail ?? "The request has invalid fields; see errors.",
        });

    /// <summary>413.</summary>
    public static ProblemHttpResult TooLarge(int maxBytes = HttpBodies.MaxBytes) =>
        Create(StatusCodes.Status413PayloadTooLarge, "Body too large", $"Bodies are limited to {maxBytes / 1024} KiB.");

    /// <summary>404.</summary>
    public static ProblemHttpResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>409.</summary>
    public static ProblemHttpResult Conflict(string detail) => Create(StatusCodes.Status409Conflict, "Conflict", detail);

    /// <summary>410, with the machine-readable <c>reason</c> the pages word their explanation by.</summary>
    public static ProblemHttpResult Gone(string detail, LinkGoneReason reason) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status410Gone, title: "Link no longer valid", type: "https://httpstatuses.io/410", extensions: new Dictionary<string, object?> { ["reason"] = Json.NameOf(reason) });

    /// <summary>429, with the machine-readable <c>reason</c>: a loop a person drives reached its cap.</summary>
    public static ProblemHttpResult TooMany(string detail, LimitReason reason) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Limit reached", type: "https://httpstatuses.io/429", extensions: new Dictionary<string, object?> { ["reason"] = Json.NameOf(reason) });

    /// <summary>401.</summary>
    public static ProblemHttpResult Unauthorized(string detail) => Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    /// <summary>403: the caller is known but may not do this.</summary>
    public static ProblemHttpResult Forbidden(string detail) => Create(StatusCodes.Status403Forbidden, "Forbidden", detail);
}
