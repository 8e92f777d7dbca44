namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// The repository explains itself: every relative link and image in README.md and docs/ resolves to a file inside the
/// repository, and every <c>#anchor</c> into a Markdown file to one of its headings, as GitHub renders them. Links to
/// http(s) URLs are not checked (the tests run offline).
/// </summary>
public sealed class DocumentationLinkTests
{
    static string Root => BicepCli.RepositoryRoot;

    /// <summary>README.md and every Markdown file under docs/, relative to the repository root.</summary>
    public static TheoryData<string> Documents
    {
        get
        {
            var documents = new TheoryData<string> { "README.md" };
            foreach (var path in Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                documents.Add(Path.GetRelativePath(Root, path).Replace('\\', '/'));
            }

            return documents;
        }
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_resolves_inside_the_repository(string document)
    {
        var broken = MarkdownLinks.Check(Root, document);

        Assert.True(broken.Count == 0, $"{broken.Count} broken link(s):{Environment.NewLine}{string.Join(Environment.NewLine, broken)}");
    }

    [Fact]
    public void The_README_and_the_product_documentation_are_among_the_documents_checked()
    {
        var documents = Documents.Select(row => row.Data).ToList();

        Assert.Contains("README.md", documents);
        Assert.Contains("docs/rules.md", documents);
        Assert.Contains("docs/api.md", documents);
        Assert.Contains("docs/directory.md", documents);
    }

    [Fact]
    public void Links_and_images_are_found_outside_code_only()
    {
        const string markdown = """
            See [the rules](docs/rules.md "Rules") and ![a screenshot](docs/screenshots/a.png).
            Not `[in code](code.md)`, nor ``a `[span`](span.md)``.
            [![badge](badge.svg)](<target with spaces.md>)

            ```bash
            curl [x](fenced.md)
            ```

            ~~~~
            [y](tilde.md)
            ```
            [z](still-fenced.md)
            ~~~~
            [ref]: docs/ref.md
            <img src="docs/html.png" alt=""> and [web](https://example.com/a_(b)) and [mail](mailto:a@b.c)
            """;

        var targets = MarkdownLinks.Find(markdown).Select(l => (l.Line, l.Target)).ToList();

        Assert.Equal(
            [
                (1, "docs/rules.md"), (1, "docs/screenshots/a.png"), (3, "badge.svg"), (3, "target with spaces.md"),
                (14, "docs/ref.md"), (15, "https://example.com/a_(b)"), (15, "mailto:a@b.c"), (15, "docs/html.png"),
            ],
            targets);
    }

    [Theory]
    [InlineData("Walk through a provisioning with curl", "walk-through-a-provisioning-with-curl")]
    [InlineData("5. Connect the order system", "5-connect-the-order-system")]
    [InlineData("Rule A / Rule B", "rule-a--rule-b")]
    [InlineData("Operators as people (Microsoft Entra ID)", "operators-as-people-microsoft-entra-id")]
    [InlineData("`GET /api/wizard/{token}`: the state", "get-apiwizardtoken-the-state")]
    [InlineData("The `snake_case` key and _emphasis_", "the-snake_case-key-and-emphasis")]
    [InlineData("**Bold** [linked](other.md) text", "bold-linked-text")]
    [InlineData("Café, crème & Bücher", "café-crème--bücher")]
    [InlineData("Stages — and outcomes", "stages--and-outcomes")]
    public void Heading_ids_are_GitHubs(string heading, string id) =>
        Assert.Equal(id, MarkdownLinks.Slug(heading));

    [Fact]
    public void Repeated_headings_are_numbered_and_setext_and_html_anchors_count()
    {
        const string markdown = """
            # Errors
            ## Errors
            ### Errors ###
            Setext heading
            --------------
            <a id="custom-anchor"></a>
            ```
            # Not a heading
            ```
            | a |
            |---|
            """;

        var anchors = MarkdownLinks.Anchors(markdown);

        Assert.Equal(["custom-anchor", "errors", "errors-1", "errors-2", "setext-heading"], anchors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_link_that_leaves_the_repository_misses_a_file_or_an_anchor_is_reported()
    {
        var outside = Directory.CreateTempSubdirectory("doc-links-");
        try
        {
            var root = Directory.CreateDirectory(Path.Combine(outside.FullName, "repo")).FullName;
            Directory.CreateDirectory(Path.Combine(root, "docs"));
            File.WriteAllText(Path.Combine(outside.FullName, "NOTES.md"), "# Exists, but not in the repository\n");
            File.WriteAllText(Path.Combine(root, "docs", "api.md"), "# API\n## Order webhook\n");
            File.WriteAllText(Path.Combine(root, "README.md"), """
                [fine](docs/api.md#order-webhook) [folder](docs/) [self](#readme) [root-relative](/docs/api.md)
                [outside](../NOTES.md)
                [missing](docs/rules.md)
                [no such heading](docs/api.md#orders)
                [escaped](docs/../../NOTES.md) [web](https://example.com/nowhere)
                # README
                """);

            var broken = MarkdownLinks.Check(root, "README.md");

            Assert.Equal(
                [(2, "../NOTES.md"), (3, "docs/rules.md"), (4, "docs/api.md#orders"), (5, "docs/../../NOTES.md")],
                broken.Select(b => (b.Line, b.Target)));
            Assert.Contains("outside the repository", broken[0].Reason, StringComparison.Ordinal);
            Assert.Contains("no such file", broken[1].Reason, StringComparison.Ordinal);
            Assert.Contains("'orders'", broken[2].Reason, StringComparison.Ordinal);
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }
}
