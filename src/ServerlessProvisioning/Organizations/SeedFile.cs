using System.Globalization;
using System.Text.Json;
using ServerlessProvisioning.Matching;

namespace ServerlessProvisioning.Organizations;

/// <summary>Raised for an invalid seed file; every problem names the JSON path of the offending value.</summary>
public sealed class SeedFileException(IReadOnlyList<string> problems)
    : Exception("The seed file is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    /// <summary>The problems, each "$.path: what is wrong".</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Reads the seed format of SPEC §4 into organizations, reporting every problem with its path.</summary>
public static class SeedFile
{
    /// <summary>Parses and validates a seed document.</summary>
    public static IReadOnlyList<Organization> Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SeedFileException([$"$ (line {e.LineNumber + 1}): not valid JSON: {e.Message}"]);
        }

        using (document)
        {
            var problems = new List<string>();
            var organizations = new List<Organization>();
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("organizations", out var list)
                || list.ValueKind != JsonValueKind.Array)
            {
                throw new SeedFileException(["$.organizations: an array of organizations is required."]);
            }

            var ids = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var element in list.EnumerateArray())
            {
                var path = $"$.organizations[{index++}]";
                if (ReadOrganization(element, path, problems) is { } organization)
                {
                    if (!ids.Add(organization.Id))
                    {
                        problems.Add($"{path}.id: '{organization.Id}' appears more than once.");
                    }

                    organizations.Add(organization);
                }
            }

            return problems.Count > 0 ? throw new SeedFileException(problems) : organizations;
        }
    }

    /// <summary>Reads and parses a seed file from disk.</summary>
    public static async Task<IReadOnlyList<Organization>> ReadAsync(string path, CancellationToken cancellationToken) =>
        Parse(await File.ReadAllTextAsync(path, cancellationToken));

    static Organization? ReadOrganization(JsonElement element, string path, List<string> problems)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: an object is required.");
            return null;
        }

        var before = problems.Count;
        var id = RequiredString(element, "id", path, problems, 200);
        var name = RequiredString(element, "name", path, problems, CompanyName.MaxLength);
        if (name is not null && CompanyName.Key(name).Length == 0)
        {
            problems.Add($"{path}.name: '{name}' has no letter or digit.");
        }

        var type = RequiredEnum<OrganizationType>(element, "type", path, problems);
        DateTimeOffset createdAt = default;
        if (RequiredString(element, "createdAt", path, problems, 64) is { } created
            && !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out createdAt))
        {
            problems.Add($"{path}.createdAt: '{created}' is not an ISO 8601 date.");
        }

        var users = new List<OrganizationUser>();
        var emails = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (user, userPath) in Items(element, "users", path, problems))
        {
            var email = RequiredString(user, "email", userPath, problems, EmailAddress.MaxLength + 10);
            if (email is not null && !EmailAddress.TryParse(email, out _, out var error))
            {
                problems.Add($"{userPath}.email: '{email}': {error}");
            }
            else if (email is not null && !emails.Add(EmailAddress.Normalize(email)))
            {
                problems.Add($"{userPath}.email: '{email}' appears more than once in this organization.");
            }

            var userName = OptionalString(user, "name", userPath, problems);
            var roles = new List<UserRole>();
            foreach (var (role, rolePath) in Items(user, "roles", userPath, problems))
            {
                if (role.ValueKind != JsonValueKind.String || !Storage.Json.TryParseEnum<UserRole>(SafeString(role), out var parsed))
                {
                    problems.Add($"{rolePath}: one of {string.Join(", ", Enum.GetNames<UserRole>())} is required.");
                }
                else
                {
                    roles.Add(parsed);
                }
            }

            if (email is not null)
            {
                users.Add(new OrganizationUser(email.Trim(), userName, roles));
            }
        }

        var subscriptions = new List<OrganizationSubscription>();
        foreach (var (subscription, subscriptionPath) in Items(element, "subscriptions", path, problems))
        {
            var subscriptionId = RequiredString(subscription, "id", subscriptionPath, problems, 200);
            var status = RequiredEnum<SubscriptionStatus>(subscription, "status", subscriptionPath, problems);
            if (subscriptionId is not null && status is not null)
            {
                subscriptions.Add(new OrganizationSubscription(subscriptionId, status.Value));
            }
        }

        return problems.Count > before || id is null || name is null || type is null
            ? null
            : new Organization(id, name, type.Value, createdAt, users, subscriptions);
    }

    static IEnumerable<(JsonElement Item, string Path)> Items(JsonElement parent, string property, string path, List<string> problems)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(property, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            yield break;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{path}.{property}: an array is required.");
            yield break;
        }

        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            yield return (item, $"{path}.{property}[{index++}]");
        }
    }

    static string? RequiredString(JsonElement element, string property, string path, List<string> problems, int maxLength)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String)
        {
            problems.Add($"{path}.{property}: a non-empty string is required.");
            return null;
        }

        if (SafeString(value) is not { } text)
        {
            problems.Add($"{path}.{property}: not valid Unicode text.");
            return null;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add($"{path}.{property}: a non-empty string is required.");
            return null;
        }

        if (text.Length > maxLength || text.Any(char.IsControl))
        {
            problems.Add($"{path}.{property}: at most {maxLength} characters and no control characters.");
            return null;
        }

        return text;
    }

    // GetString throws on a lone surrogate escape (\ud800); such text is simply invalid.
    static string? SafeString(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    static string? OptionalString(JsonElement element, string property, string path, List<string> problems)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return RequiredString(element, property, path, problems, 200);
    }

    static T? RequiredEnum<T>(JsonElement element, string property, string path, List<string> problems)
        where T : struct, Enum
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            && Storage.Json.TryParseEnum<T>(SafeString(value), out var parsed))
        {
            return parsed;
        }

        problems.Add($"{path}.{property}: one of {string.Join(", ", Enum.GetNames<T>())} is required.");
        return null;
    }
}

/// <summary>Loads a seed into the store: every organization upserted, so loading twice changes nothing.</summary>
public sealed class SeedImporter(OrganizationStore store)
{
    /// <summary>Imports the organizations; returns how many.</summary>
    public async Task<int> ImportAsync(IReadOnlyList<Organization> organizations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organizations);
        await store.UpsertManyAsync(organizations, cancellationToken);
        return organizations.Count;
    }
}
