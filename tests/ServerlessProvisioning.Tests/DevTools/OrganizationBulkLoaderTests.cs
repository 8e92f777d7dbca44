using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.DevTools;

/// <summary>The bulk loader writes exactly the layout the store and the indexes read and maintain.</summary>
public class OrganizationBulkLoaderTests(AzuriteFixture azurite)
{
    static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bulk_loaded_tables_pass_the_consistency_checker()
    {
        var names = await azurite.CreateTablesAsync();
        var organizations = Generate(300, seed: 7);

        var result = await new OrganizationBulkLoader(azurite.Tables, names).LoadAsync(organizations, Ct);

        Assert.Empty(await new IndexConsistencyChecker(azurite.Tables, names).CheckAsync(Ct));
        Assert.Equal(300, result.Organizations);
        Assert.Equal(300, result.OrganizationEntities);
        Assert.Equal(organizations.SelectMany(o => o.Users).Select(u => EmailAddress.Normalize(u.Email)).Distinct().Count(), result.UserIndexEntities);
    }

    [Fact]
    public async Task Indexed_matching_over_bulk_loaded_tables_equals_the_reference()
    {
        var names = await azurite.CreateTablesAsync();
        var organizations = Generate(300, seed: 11);
        await new OrganizationBulkLoader(azurite.Tables, names).LoadAsync(organizations, Ct);
        var matcher = new OrganizationMatcher(new OrganizationStore(azurite.Tables, names), MatchingPolicy.Default, new FakeTimeProvider(Now));
        var random = new Random(12);
        var emails = organizations.SelectMany(o => o.Users).Select(u => u.Email).ToList();
        var kinds = new Dictionary<MatchKind, int>();

        for (var n = 0; n < 240; n++)
        {
            var email = (n % 4) switch
            {
                0 when n == 0 => "BOSS@acme.com",
                0 => emails[random.Next(emails.Count)].ToUpperInvariant(),
                1 => $"someone.new{n}@{Domains[random.Next(Domains.Length)]}",
                2 => $"someone.new{n}@gmail.com",
                _ => $"owner{n}@new-{n}.example",
            };
            var name = random.Next(3) == 0
                ? organizations[random.Next(organizations.Count)].Name
                : $"{Stems[random.Next(Stems.Length)]} {Words[random.Next(Words.Length)]}";
            Assert.True(SubmissionValidator.TryCreate(name, email, out var submission, out _));

            var indexed = await matcher.MatchAsync(submission, Ct);
            var reference = ReferenceMatcher.Match(submission, organizations, MatchingPolicy.Default, Now);

            Assert.Equal(reference.Kind, indexed.Kind);
            Assert.Equal(reference.Notice, indexed.Notice);
            Assert.Equal(reference.Candidates.Select(Describe), indexed.Candidates.Select(Describe));
            kinds[indexed.Kind] = kinds.GetValueOrDefault(indexed.Kind) + 1;
        }

        // The submissions exercised every rule, and Rule B found something more than once.
        Assert.All(Enum.GetValues<MatchKind>(), kind => Assert.True(kinds.GetValueOrDefault(kind) > 0, $"no {kind}"));
    }

    [Fact]
    public async Task Bulk_load_writes_the_same_entities_as_the_store_import()
    {
        var organizations = Generate(60, seed: 3);
        var bulk = await azurite.CreateTablesAsync();
        var imported = await azurite.CreateTablesAsync();

        await new OrganizationBulkLoader(azurite.Tables, bulk).LoadAsync(organizations, Ct);
        await new OrganizationImporter(new OrganizationStore(azurite.Tables, imported)).ImportAsync(organizations, Ct);

        Assert.Equal(await RowsAsync(imported.Organizations), await RowsAsync(bulk.Organizations));
        Assert.Equal(await IndexAsync<Membership>(imported.UserIndex), await IndexAsync<Membership>(bulk.UserIndex));
        Assert.Equal(await IndexAsync<NamedOrganization>(imported.DomainIndex), await IndexAsync<NamedOrganization>(bulk.DomainIndex));
        Assert.Equal(await IndexAsync<NamedOrganization>(imported.NameIndex), await IndexAsync<NamedOrganization>(bulk.NameIndex));
    }

    [Fact]
    public async Task Loading_into_tables_that_already_hold_an_index_entity_fails_instead_of_losing_it()
    {
        var names = await azurite.CreateTablesAsync();
        var loader = new OrganizationBulkLoader(azurite.Tables, names);
        await loader.LoadAsync([Org("org-a", "Acme", [new OrganizationUser("ana@acme.com", null, [UserRole.FullAdmin])])], Ct);

        var second = Org("org-b", "Acme Labs", [new OrganizationUser("ana@acme.com")]);

        await Assert.ThrowsAnyAsync<RequestFailedException>(() => loader.LoadAsync([second], Ct));
    }

    [Fact]
    public async Task Duplicate_organizations_are_rejected_before_anything_is_written()
    {
        var names = await azurite.CreateTablesAsync();
        var twice = Org("org-a", "Acme", [new OrganizationUser("ana@acme.com")]);

        await Assert.ThrowsAsync<ArgumentException>(() => new OrganizationBulkLoader(azurite.Tables, names).LoadAsync([twice, twice], Ct));

        Assert.Null(await new OrganizationStore(azurite.Tables, names).GetSummaryAsync("org-a", Ct));
    }

    static readonly string[] Stems = ["Acme", "ACME", "Acmé", "Global", "Globex", "Tech", "Techno", "Telefónica", "Telefonica", "Bücher", "IBM"];
    static readonly string[] Words = ["Solutions", "Labs", "Group", "Iberia", "Holdings", "Inc.", "S.L.", "Digital"];
    static readonly string[] Domains = ["acme.com", "acme.es", "global.io", "globex.com", "tech.net", "telefonica.es", "bücher.de", "ibm.com"];
    static readonly string[] FreeMail = ["gmail.com", "outlook.com", "yahoo.com"];

    // Name keys that collide, domains shared by organizations, free-mail users, people in several organizations
    // (one of them full admin of two), one organization too large for one batch, and more than a hundred domain
    // index entities in one partition (gmail.com, one per distinct name of the odd organizations).
    static List<Organization> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var people = Enumerable.Range(0, count / 3).Select(p => $"person{p}@{Domains[p % Domains.Length]}").ToList();
        var organizations = new List<Organization>(count);
        for (var i = 0; i < count; i++)
        {
            var name = i % 2 == 0
                ? $"{Stems[random.Next(Stems.Length)]} {Words[random.Next(Words.Length)]} {(random.Next(3) == 0 ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty)}"
                : $"N{i:D4} Company";
            var userCount = i == 5 ? 130 : 1 + (int)(-Math.Log(1 - random.NextDouble()) * 2);
            var users = new Dictionary<string, OrganizationUser>(StringComparer.Ordinal);
            for (var u = 0; u < userCount; u++)
            {
                var email = (i, u) switch
                {
                    (10 or 20, 0) => "boss@acme.com",
                    (_, 0) when i % 2 == 1 => $"owner{i}@gmail.com",
                    _ => random.Next(10) switch
                    {
                        0 => people[random.Next(people.Count)],
                        1 or 2 => $"user{i}x{u}@{FreeMail[random.Next(FreeMail.Length)]}",
                        _ => $"user{i}x{u}@{(i % 2 == 0 ? Domains[random.Next(Domains.Length)] : $"unique{i}.com")}",
                    },
                };
                UserRole[] roles = u == 0 || random.Next(6) == 0 ? [UserRole.FullAdmin] : random.Next(8) == 0 ? [UserRole.ReadOnlyAdmin] : [];
                users.TryAdd(EmailAddress.Normalize(email), new OrganizationUser(email, random.Next(2) == 0 ? null : $"User {u}", roles));
            }

            var subscriptions = Enumerable.Range(0, random.Next(0, 4))
                .Select(s => new OrganizationSubscription($"sub-{i}-{s}", random.Next(2) == 0 ? SubscriptionStatus.Active : SubscriptionStatus.Expired))
                .ToList();
            organizations.Add(new Organization($"org-{i:D4}", name.Trim(), random.Next(5) == 0 ? OrganizationType.Partner : OrganizationType.Customer, Now.AddDays(-random.Next(15 * 365)), users.Values.ToList(), subscriptions));
        }

        return organizations;
    }

    static Organization Org(string id, string name, IReadOnlyList<OrganizationUser> users) =>
        new(id, name, OrganizationType.Customer, Now.AddYears(-1), users, []);

    static string Describe(Candidate c) => $"{c.OrganizationId}:{string.Join('+', c.MatchedBy)}:{c.Assessment}:{c.Users}:{c.ActiveSubscriptions}";

    // Every row as "pk/rk: property=value…", sorted, without timestamps and ETags.
    async Task<List<string>> RowsAsync(string table)
    {
        var rows = new List<string>();
        await foreach (var row in azurite.Tables.GetTableClient(table).QueryAsync<TableEntity>(cancellationToken: Ct))
        {
            var properties = row.Keys.Where(k => k is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")).Order(StringComparer.Ordinal)
                .Select(k => $"{k}={(row[k] is DateTimeOffset d ? d.UtcDateTime.ToString("O") : row[k])}");
            rows.Add($"{row.PartitionKey}/{row.RowKey}: {string.Join(", ", properties)}");
        }

        return rows.Order(StringComparer.Ordinal).ToList();
    }

    // Every index entity as "pk/rk: item, item…" with its items sorted (their order is the writers' business).
    async Task<List<string>> IndexAsync<T>(string table)
    {
        var entities = new List<string>();
        await foreach (var entity in azurite.Tables.GetTableClient(table).QueryAsync<TableEntity>(cancellationToken: Ct))
        {
            var items = OrganizationIndexes.ReadItems<T>(entity).Select(i => i!.ToString()).Order(StringComparer.Ordinal);
            entities.Add($"{entity.PartitionKey}/{entity.RowKey}: {string.Join(", ", items)}");
        }

        return entities.Order(StringComparer.Ordinal).ToList();
    }
}
