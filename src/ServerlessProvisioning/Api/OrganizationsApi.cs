using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Api;

/// <summary>POST /api/organizations/import answer.</summary>
public sealed record ImportReport(int Created, int Updated, int Unchanged, IReadOnlyList<ImportFailure> Failed, int FailedCount);

/// <summary>
/// One organization found by GET /api/organizations: its summary, whether the searched address is a full admin there,
/// and the usage assessment the wizard would show for it (SPEC §2), with its reasons.
/// </summary>
public sealed record DirectoryEntry(
    string OrganizationId,
    string Name,
    OrganizationType Type,
    DateTimeOffset CreatedAt,
    int ActiveSubscriptions,
    int Users,
    IReadOnlyList<AdminContact> FullAdmins,
    bool? IsFullAdmin = null,
    UsageAssessment? Assessment = null,
    IReadOnlyList<AssessmentReason>? Reasons = null);

/// <summary>GET /api/organizations answer.</summary>
public sealed record DirectoryPage(IReadOnlyList<DirectoryEntry> Items, string? ContinuationToken);

/// <summary>
/// The organization directory (operator key): one organization read, written or deleted with ETags, many imported
/// as NDJSON, found by a user's email or an email domain through the indexes (docs/directory.md).
/// </summary>
public sealed class OrganizationsApi(OrganizationStore store, OrganizationImporter importer, OrganizationExporter exporter, ContinuationTokens continuationTokens, MatchingPolicy policy, PendingApprovals pendingApprovals, TimeProvider time, ILogger<OrganizationsApi> logger)
{
    /// <summary>The largest organization a PUT takes (an organization with thousands of users).</summary>
    public const int MaxOrganizationBytes = OrganizationDocument.MaxBytes;

    /// <summary>The largest import request.</summary>
    public const int MaxImportBytes = 32 * 1024 * 1024;

    /// <summary>The most organizations one search page holds.</summary>
    public const int MaxPageSize = 100;

    /// <summary>The media type of an import.</summary>
    public const string Ndjson = "application/x-ndjson";

    /// <summary>The routes, for both hosts.</summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        new("FindOrganizations", "GET", "organizations", ApiAudience.Operator,
            (HttpRequest request, OrganizationsApi api, CancellationToken ct) => api.FindAsync(request, ct),
            null, [400, 401],
            "Organizations by id (?id=), with a user at an address (?email=) or at a domain (?domain=), or whose name starts with a text, folded as matching folds it (?name=), from the indexes, paged (?pageSize= up to 100, ?continuationToken=).")
        {
            Parameters =
            [
                ApiParameter.Query<string>("id", "The organization with this id (at most one). Give exactly one of id, email, domain and name."),
                ApiParameter.Query<string>("email", "The organizations with a user at this address (its identity: case and IDN folded), each saying whether the address is a full administrator there."),
                ApiParameter.Query<string>("domain", "The organizations with a user at this domain, such as acme.com."),
                ApiParameter.Query<string>("name", "The organizations whose name starts with this text, folded as matching folds it."),
                .. ApiParameter.Paging(MaxPageSize),
            ],
        },
        new("ExportOrganizations", "GET", "organizations/export", ApiAudience.Operator,
            (HttpRequest request, OrganizationsApi api) => api.Export(request),
            null, [401],
            "The whole directory as NDJSON (application/x-ndjson) in the import's format, one organization per line in organization id order, streamed as it is read: importing it answers unchanged for every line. Not a snapshot: an organization written meanwhile is as it was before or after that write (docs/directory.md).")
        {
            StreamedResponse = (StatusCodes.Status200OK, typeof(Organization), Ndjson),
            ResponseHeaders = [new("Content-Disposition", "attachment, with a file name that carries the export's UTC date: organizations-yyyy-MM-dd.ndjson.", [200])],
        },
        new("GetOrganization", "GET", "organizations/{organizationId}", ApiAudience.Operator,
            (string organizationId, HttpResponse response, OrganizationsApi api, CancellationToken ct) => api.GetAsync(organizationId, response, ct),
            null, [401, 404],
            "One organization as stored, with its ETag (it changes with every write, provisioning's included).")
        {
            ResponseHeaders = [ETagHeader(200)],
        },
        new("PutOrganization", "PUT", "organizations/{organizationId}", ApiAudience.Operator,
            (string organizationId, HttpRequest request, OrganizationsApi api, DurableTaskClient client, CancellationToken ct) => api.PutAsync(organizationId, request, client, ct),
            typeof(Organization), [400, 401, 412, 413, 415, 503],
            "Creates or replaces one organization (seed-file shape); If-Match makes it conditional on the version read, If-None-Match: * on there being none.")
        {
            Parameters =
            [
                ApiParameter.IfMatch("Replace only while the organization is at one of these versions (the ETag of a GET), or * for any existing one; 412 otherwise."),
                ApiParameter.Header("If-None-Match", "Only *: create only, 412 when the organization exists. Not with If-Match."),
            ],
            ResponseHeaders = [ETagHeader(200, 201, 412)],
        },
        new("DeleteOrganization", "DELETE", "organizations/{organizationId}", ApiAudience.Operator,
            (string organizationId, HttpRequest request, OrganizationsApi api, DurableTaskClient client, CancellationToken ct) => api.DeleteAsync(organizationId, request, client, ct),
            null, [401, 404, 412, 503],
            "Deletes one organization and every index entry it had; If-Match makes it conditional.")
        {
            Parameters = [ApiParameter.IfMatch("Delete only while the organization is at one of these versions (the ETag of a GET), or * for any; 412 otherwise.")],
            ResponseHeaders = [ETagHeader(412)],
        },
        new("ImportOrganizations", "POST", "organizations/import", ApiAudience.Operator,
            (HttpRequest request, OrganizationsApi api, DurableTaskClient client, CancellationToken ct) => api.ImportAsync(request, client, ct),
            typeof(Organization), [401, 413, 415],
            "Imports organizations as NDJSON (application/x-ndjson: one organization per line, up to 32 MiB, each line up to 1 MiB); good lines are imported even when others fail.",
            Ndjson),
    ];

    // The organization's version, for If-Match: on what a read or write answers, and on a 412 (the current one).
    static ApiResponseHeader ETagHeader(params int[] statuses) =>
        new("ETag", "The organization's version (a strong entity-tag): send it in If-Match to write only over this version.", statuses);

    /// <summary>
    /// GET /api/organizations/export: every organization as a line of an import, written as the table is read. Once
    /// the first bytes are out the status is 200; a failure after that ends the response without its last chunk, so
    /// a client (curl exits with 18) sees a cut transfer rather than a shorter directory.
    /// </summary>
    public IResult Export(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var file = string.Create(CultureInfo.InvariantCulture, $"organizations-{time.GetUtcNow().UtcDateTime:yyyy-MM-dd}.ndjson");
        return new StreamedResult(Ndjson, file, async (body, cancellationToken) =>
        {
            var count = await exporter.WriteAsync(body, cancellationToken);
            logger.LogInformation("Directory export by {Operator}: {Count} organizations", OperatorIdentity.Of(request), count);
        });
    }

    /// <summary>GET /api/organizations/{organizationId}.</summary>
    public async Task<Results<Ok<Organization>, ProblemHttpResult>> GetAsync(string organizationId, HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var stored = Identifiers.IsValid(organizationId) ? await store.FindAsync(organizationId, cancellationToken) : null;
        if (stored is null)
        {
            return Unknown(organizationId);
        }

        response.Headers.ETag = ETags.Format(stored.ETag);
        return TypedResults.Ok(stored.Organization);
    }

    /// <summary>PUT /api/organizations/{organizationId}: 201 created, 200 replaced (or unchanged), with the ETag and the stored organization.</summary>
    public async Task<Results<Created<Organization>, Ok<Organization>, ProblemHttpResult>> PutAsync(string organizationId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Identifiers.IsValid(organizationId))
        {
            return Problems.Validation(new() { ["organizationId"] = [Identifiers.Rule] });
        }

        // If-None-Match: * creates only. Anything else there is refused rather than ignored, since it would look
        // conditional; so is If-Match beside it, as the two can never both hold.
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString().Trim();
        var createOnly = ifNoneMatch == "*";
        if (ifNoneMatch.Length > 0 && (!createOnly || request.Headers.IfMatch.Count > 0))
        {
            return Problems.Validation(new() { ["ifNoneMatch"] = ["If-None-Match on a PUT takes only * (create it only if it does not exist), and not with If-Match."] });
        }

        var (body, problem) = await HttpBodies.ReadAsync(request, MaxOrganizationBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        var organization = OrganizationDocument.Parse(body, errors, routeId: organizationId);
        if (organization is null)
        {
            return Problems.Validation(errors, "The organization has invalid fields; see errors. Nothing was written.");
        }

        var result = await WriteAsync(() => createOnly
            ? store.PutIfAbsentAsync(organization, cancellationToken)
            : store.PutAsync(organization, ETags.ParseIfMatch(request.Headers.IfMatch), cancellationToken));
        if (result.Problem is not null)
        {
            return result.Problem;
        }

        var write = result.Write!;
        if (write.Outcome == OrganizationWrite.Rejected)
        {
            return Problems.Validation(new(write.Errors!), "The organization names a subscription another organization holds. Nothing was written.");
        }

        if (write.Outcome == OrganizationWrite.NotFound)
        {
            // If-Match on an organization that does not exist (RFC 9110: the precondition fails).
            return PreconditionFailed(null, request.HttpContext.Response);
        }

        if (write.Outcome == OrganizationWrite.PreconditionFailed)
        {
            return PreconditionFailed(write.Stored, request.HttpContext.Response, createOnly);
        }

        request.HttpContext.Response.Headers.ETag = ETags.Format(write.Stored!.ETag);
        logger.LogInformation("Organization {OrganizationId} {Outcome} by {Operator}", organizationId, write.Outcome, OperatorIdentity.Of(request));
        if (write.Outcome == OrganizationWrite.Replaced)
        {
            await pendingApprovals.TellAsync([organizationId], client, cancellationToken);
        }

        return write.Outcome == OrganizationWrite.Created
            ? TypedResults.Created($"/api/organizations/{Uri.EscapeDataString(organizationId)}", write.Stored.Organization)
            : TypedResults.Ok(write.Stored.Organization);
    }

    /// <summary>DELETE /api/organizations/{organizationId}.</summary>
    public async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string organizationId, HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Identifiers.IsValid(organizationId))
        {
            return Unknown(organizationId);
        }

        var result = await WriteAsync(() => store.DeleteAsync(organizationId, ETags.ParseIfMatch(request.Headers.IfMatch), cancellationToken));
        if (result.Problem is not null)
        {
            return result.Problem;
        }

        switch (result.Write!.Outcome)
        {
            case OrganizationWrite.NotFound:
                return Unknown(organizationId);
            case OrganizationWrite.PreconditionFailed:
                return PreconditionFailed(result.Write.Stored, request.HttpContext.Response);
            default:
                logger.LogInformation("Organization {OrganizationId} deleted by {Operator}", organizationId, OperatorIdentity.Of(request));
                await pendingApprovals.TellAsync([organizationId], client, cancellationToken);
                return TypedResults.NoContent();
        }
    }

    /// <summary>POST /api/organizations/import: one organization per line; what was created, updated, unchanged, and why lines failed.</summary>
    public async Task<Results<Ok<ImportReport>, ProblemHttpResult>> ImportAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Kestrel stops bodies at about 28 MiB unless told otherwise; the import takes 32 MiB, and says so past that.
            limit.MaxRequestBodySize = MaxImportBytes + 1;
        }

        var (body, problem) = await HttpBodies.ReadAsync(request, MaxImportBytes, cancellationToken, Ndjson);
        if (problem is not null)
        {
            return problem;
        }

        var result = await importer.ImportAsync(OrganizationImporter.ReadNdjson(body), cancellationToken);
        await pendingApprovals.TellAsync(result.ReplacedIds, client, cancellationToken);
        logger.LogInformation("Import by {Operator}: {Created} created, {Updated} updated, {Unchanged} unchanged, {Failed} failed", OperatorIdentity.Of(request), result.Created, result.Updated, result.Unchanged, result.FailedCount);
        return TypedResults.Ok(new ImportReport(result.Created, result.Updated, result.Unchanged, result.Failed, result.FailedCount));
    }

    /// <summary>GET /api/organizations?id=…|email=…|domain=…|name=…: one organization by id, or organizations through the user, domain or name index, never a scan.</summary>
    public async Task<Results<Ok<DirectoryPage>, ProblemHttpResult>> FindAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var email = request.Query["email"].ToString();
        var domain = request.Query["domain"].ToString();
        var id = request.Query["id"].ToString();
        var name = request.Query["name"].ToString();
        if (new[] { id, email, domain, name }.Count(c => c.Length > 0) != 1)
        {
            errors["email"] = ["Give one of id, email, domain or name."];
        }
        else if (id.Length > 0 && !Identifiers.IsValid(id.Trim()))
        {
            errors["id"] = [Identifiers.Rule];
        }

        EmailAddress? address = null;
        string? asciiDomain = null;
        if (email.Length > 0 && !EmailAddress.TryParse(email, out address, out var emailError))
        {
            errors["email"] = [emailError!];
        }

        if (domain.Length > 0 && (domain.Contains('@', StringComparison.Ordinal) || (asciiDomain = EmailAddress.DomainOf("x@" + domain.Trim())) is null))
        {
            errors["domain"] = ["A domain name such as acme.com."];
        }

        var namePrefix = CompanyName.Normalize(name);
        if (name.Length > 0 && (name.Length > CompanyName.MaxLength || namePrefix.Length == 0))
        {
            errors["name"] = [$"The start of an organization's name: at least one letter or digit, at most {CompanyName.MaxLength} characters."];
        }

        var pageSize = 50;
        if (request.Query["pageSize"].ToString() is { Length: > 0 } sizeText && (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            errors["pageSize"] = [$"A whole number from 1 to {MaxPageSize}."];
        }

        Position? from = null;
        var list = address is not null ? "organizations/email/" + address.Value
            : name.Length > 0 ? "organizations/name/" + namePrefix
            : "organizations/domain/" + asciiDomain;
        if (request.Query["continuationToken"].ToString() is { Length: > 0 } token && (from = Position.Decode(continuationTokens.Decode(list, token))) is null)
        {
            errors["continuationToken"] = ["Use the continuationToken of the previous page as it is."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (id.Length > 0)
        {
            // An id names at most one organization: one point read, one page.
            return TypedResults.Ok(new DirectoryPage(await EntriesAsync([(id.Trim(), null)], cancellationToken), null));
        }

        if (address is not null)
        {
            var memberships = (await store.Indexes.GetMembershipsAsync(address.Value, cancellationToken)).OrderBy(m => m.OrganizationId, StringComparer.Ordinal).ToList();
            var skip = from?.Skip ?? 0;
            var page = memberships.Skip(skip).Take(pageSize).ToList();
            var entries = await EntriesAsync(page.Select(m => (m.OrganizationId, (bool?)m.IsFullAdmin)), cancellationToken);
            var next = skip + page.Count < memberships.Count ? continuationTokens.Encode(list, new Position(null, skip + page.Count).Encode()) : null;
            return TypedResults.Ok(new DirectoryPage(entries, next));
        }

        if (name.Length > 0)
        {
            // A folded prefix of the name: one RowKey range of the name index, in name order.
            var (named, nextRowKey) = await store.Indexes.ListByNamePrefixAsync(namePrefix, from?.RowKey, pageSize, cancellationToken);
            var entries = await EntriesAsync(named.Select(i => (i.OrganizationId, (bool?)null)), cancellationToken);
            return TypedResults.Ok(new DirectoryPage(entries, nextRowKey is null ? null : continuationTokens.Encode(list, new Position(nextRowKey, 0).Encode())));
        }

        var (items, after) = await store.Indexes.ListByDomainAsync(asciiDomain!, from?.RowKey, from?.Skip ?? 0, pageSize, cancellationToken);
        var found = await EntriesAsync(items.Select(i => (i.OrganizationId, (bool?)null)), cancellationToken);
        return TypedResults.Ok(new DirectoryPage(found, after is { } n ? continuationTokens.Encode(list, new Position(n.RowKey, n.Skip).Encode()) : null));
    }

    async Task<IReadOnlyList<DirectoryEntry>> EntriesAsync(IEnumerable<(string OrganizationId, bool? IsFullAdmin)> found, CancellationToken cancellationToken)
    {
        var list = found.ToList();
        var summaries = await Task.WhenAll(list.Select(f => store.GetSummaryAsync(f.OrganizationId, cancellationToken)));
        return list.Zip(summaries)
            .Where(p => p.Second is not null)
            .Select(p =>
            {
                var summary = p.Second!;
                var (assessment, reasons) = MatchingRules.Assess(summary, time.GetUtcNow(), policy.AbandonedAfter);
                return new DirectoryEntry(summary.OrganizationId, summary.Name, summary.Type, summary.CreatedAt, summary.ActiveSubscriptions, summary.Users, summary.FullAdmins, p.First.IsFullAdmin, assessment, reasons);
            })
            .ToList();
    }

    async Task<(OrganizationWriteResult? Write, ProblemHttpResult? Problem)> WriteAsync(Func<Task<OrganizationWriteResult>> write)
    {
        try
        {
            return (await write(), null);
        }
        catch (OrganizationBusyException e)
        {
            logger.LogWarning("Directory write refused: {Reason}", e.Message);
            return (null, Problems.Create(StatusCodes.Status503ServiceUnavailable, "Busy", "Another change to this organization is under way; try again in a moment."));
        }
    }

    static ProblemHttpResult Unknown(string organizationId) =>
        Problems.NotFound($"No organization '{(organizationId.Length <= 80 ? organizationId : organizationId[..80] + "…")}'.");

    static ProblemHttpResult PreconditionFailed(StoredOrganization? current, HttpResponse response, bool createOnly = false)
    {
        if (current is not null)
        {
            response.Headers.ETag = ETags.Format(current.ETag);
        }

        return Problems.Create(
            StatusCodes.Status412PreconditionFailed,
            "Precondition failed",
            current is null ? "If-Match was given but the organization does not exist."
                : createOnly ? "If-None-Match: * was given but the organization exists. Nothing was written; GET it, and replace it with If-Match and its ETag if you mean to."
                : "The organization changed since the version in If-Match (provisioning may have assigned a subscription or added an administrator). GET it again, merge, and retry with its new ETag.");
    }

    // Where a search page starts: a domain index entity (RowKey) and how many of its organizations to skip, or an offset.
    sealed record Position(string? RowKey, int Skip)
    {
        public string Encode() => JsonSerializer.Serialize(new[] { RowKey ?? string.Empty, Skip.ToString(CultureInfo.InvariantCulture) });

        public static Position? Decode(string? json)
        {
            try
            {
                return json is not null && JsonSerializer.Deserialize<string[]>(json) is [var rowKey, var skip]
                    && int.TryParse(skip, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                    ? new Position(rowKey.Length == 0 ? null : rowKey, count)
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}

/// <summary>
/// An organization's version on the wire: the storage ETag of its organization row, base64url-encoded inside the
/// quotes of an HTTP entity-tag, so it is opaque and strong. If-Match takes a list, or <c>*</c> (any existing version).
/// </summary>
public static class ETags
{
    /// <summary>The HTTP ETag of a version.</summary>
    public static string Format(ETag etag) => $"\"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(etag.ToString()))}\"";

    /// <summary>The versions an If-Match header accepts; null when there is none. Weak or unreadable tags match nothing.</summary>
    public static IReadOnlyCollection<ETag>? ParseIfMatch(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count == 0 || string.IsNullOrWhiteSpace(header.ToString()))
        {
            return null;
        }

        if (header.ToString().Trim() == "*")
        {
            return [ETag.All];
        }

        var accepted = new List<ETag>();
        if (EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            foreach (var tag in tags.Where(t => !t.IsWeak))
            {
                var opaque = tag.Tag.Value?.Trim('"') ?? string.Empty;
                if (Base64Url.IsValid(opaque) && Encoding.UTF8.GetString(Base64Url.DecodeFromChars(opaque)) is var decoded && decoded != "*")
                {
                    accepted.Add(new ETag(decoded));
                }
            }
        }

        // A header that names only versions we cannot read still makes the request conditional: it matches nothing.
        return accepted;
    }
}
