using System.Globalization;
using System.Text.Json;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;

namespace ServerlessProvisioning.Organizations;

/// <summary>
/// Reads one organization in the seed-file shape (docs/directory.md): an entry of a <c>--seed</c> file, the body of
/// <c>PUT /api/organizations/{id}</c>, a line of an import. Every problem is keyed by the path of its field
/// (<c>users[1].email</c>), so callers report them all at once.
/// </summary>
public static class OrganizationDocument
{
    /// <summary>The most users or subscriptions one organization may list.</summary>
    public const int MaxItems = 5000;

    /// <summary>The largest organization document: a PUT's body, a line of an import (an organization with thousands of users).</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The longest user name accepted.</summary>
    public const int MaxUserNameLength = 200;

    /// <summary>
    /// Reads the organization at <paramref name="element"/>; null when anything is wrong, with every problem in
    /// <paramref name="errors"/>. With <paramref name="routeId"/> (a PUT), the <c>id</c> may be left out, and must
    /// equal it when present.
    /// </summary>
    public static Organization? Read(JsonElement element, Dictionary<string, string[]> errors, string? routeId = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["An organization object is required."];
            return null;
        }

        var before = errors.Count;
        var id = JsonFields.Text(element, "id", errors, required: routeId is null, maxLength: Identifiers.MaxLength, allowLineBreaks: false);
        if (id is not null && !Identifiers.IsValid(id))
        {
            errors["id"] = [Identifiers.Rule];
        }
        else if (id is not null && routeId is not null && id != routeId)
        {
            errors["id"] = [$"Must equal the organization id of the address ('{routeId}'), or be left out."];
        }

        id ??= routeId;
        var name = JsonFields.Text(element, "name", errors, required: true, maxLength: CompanyName.MaxLength, allowLineBreaks: false);
        if (name is not null && CompanyName.Problem(name) is { } nameProblem)
        {
            errors["name"] = [nameProblem];
        }

        var type = JsonFields.Enum<OrganizationType>(element, "type", errors, required: true);
        DateTimeOffset createdAt = default;
        if (JsonFields.Text(element, "createdAt", errors, required: true, maxLength: 64, allowLineBreaks: false) is { } created
            && !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out createdAt))
        {
            errors["createdAt"] = ["An ISO 8601 date such as 2019-03-01T00:00:00Z."];
        }

        var users = ReadUsers(element, errors);
        var subscriptions = ReadSubscriptions(element, errors);
        return errors.Count > before || id is null || name is null || type is null
            ? null
            : new Organization(id, name.Trim(), type.Value, createdAt.ToUniversalTime(), users, subscriptions);
    }

    /// <summary>Parses a JSON document holding one organization.</summary>
    public static Organization? Parse(ReadOnlyMemory<byte> json, Dictionary<string, string[]> errors, string? routeId = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            return Read(document.RootElement, errors, routeId);
        }
        catch (JsonException)
        {
            errors["body"] = ["Not valid JSON."];
            return null;
        }
    }

    static List<OrganizationUser> ReadUsers(JsonElement element, Dictionary<string, string[]> errors)
    {
        var users = new List<OrganizationUser>();
        var identities = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (user, path) in JsonFields.Items(element, "users", errors, MaxItems))
        {
            if (user.ValueKind != JsonValueKind.Object)
            {
                errors[path] = ["A user object {email, name?, roles?} is required."];
                continue;
            }

            var before = errors.Count;
            var email = JsonFields.Text(user, "email", errors, required: true, maxLength: EmailAddress.MaxLength + 20, field: path + ".email", allowLineBreaks: false);
            if (email is not null && !EmailAddress.TryParse(email, out _, out var emailError))
            {
                errors[path + ".email"] = [emailError!];
            }
            else if (email is not null && !identities.Add(EmailAddress.Normalize(email)))
            {
                errors[path + ".email"] = [$"'{email.Trim()}' appears more than once in this organization."];
            }

            var userName = JsonFields.Text(user, "name", errors, required: false, maxLength: MaxUserNameLength, field: path + ".name", allowLineBreaks: false);
            var roles = new List<UserRole>();
            foreach (var (role, rolePath) in JsonFields.Items(user, "roles", errors, 10, path + ".roles"))
            {
                if (role.ValueKind == JsonValueKind.String && Json.TryParseEnum<UserRole>(JsonFields.SafeString(role), out var parsed))
                {
                    roles.Add(parsed);
                }
                else
                {
                    errors[rolePath] = [$"One of {string.Join(", ", Enum.GetNames<UserRole>())}."];
                }
            }

            if (errors.Count == before)
            {
                users.Add(new OrganizationUser(email!.Trim(), userName?.Trim(), roles.Distinct().Order().ToList()));
            }
        }

        return users;
    }

    static List<OrganizationSubscription> ReadSubscriptions(JsonElement element, Dictionary<string, string[]> errors)
    {
        var subscriptions = new List<OrganizationSubscription>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (subscription, path) in JsonFields.Items(element, "subscriptions", errors, MaxItems))
        {
            if (subscription.ValueKind != JsonValueKind.Object)
            {
                errors[path] = ["A subscription object {id, status} is required."];
                continue;
            }

            var id = JsonFields.Text(subscription, "id", errors, required: true, maxLength: Identifiers.MaxLength, field: path + ".id", allowLineBreaks: false);
            if (id is not null && !Identifiers.IsValid(id))
            {
                errors[path + ".id"] = [Identifiers.Rule];
                id = null;
            }
            else if (id is not null && !ids.Add(id))
            {
                errors[path + ".id"] = [$"'{id}' appears more than once in this organization."];
                id = null;
            }

            var status = JsonFields.Enum<SubscriptionStatus>(subscription, "status", errors, required: true, field: path + ".status");
            if (id is not null && status is not null)
            {
                subscriptions.Add(new OrganizationSubscription(id, status.Value));
            }
        }

        return subscriptions;
    }
}
