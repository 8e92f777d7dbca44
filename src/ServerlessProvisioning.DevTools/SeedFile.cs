using System.Text.Json;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.DevTools;

/// <summary>Raised for an invalid seed file; every problem names the JSON path of the offending value.</summary>
public sealed class SeedFileException(IReadOnlyList<string> problems)
    : Exception("The seed file is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    /// <summary>The problems, each "$.path: what is wrong".</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Reads the seed format (docs/directory.md): <c>{"organizations": [ … ]}</c>, each entry read by <see cref="OrganizationDocument"/>.</summary>
public static class SeedFile
{
    /// <summary>Parses and validates a seed document; every problem is reported with its JSON path.</summary>
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
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("organizations", out var list)
                || list.ValueKind != JsonValueKind.Array)
            {
                throw new SeedFileException(["$.organizations: an array of organizations is required."]);
            }

            var problems = new List<string>();
            var organizations = new List<Organization>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var element in list.EnumerateArray())
            {
                var path = $"$.organizations[{index++}]";
                var errors = new Dictionary<string, string[]>();
                var organization = OrganizationDocument.Read(element, errors);
                problems.AddRange(errors.SelectMany(e => e.Value.Select(message => $"{path}{(e.Key == "body" ? string.Empty : "." + e.Key)}: {message}")));
                if (organization is not null)
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
}
