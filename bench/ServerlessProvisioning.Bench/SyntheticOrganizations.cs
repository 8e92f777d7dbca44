using System.Globalization;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Organizations;

namespace ServerlessProvisioning.Bench;

/// <summary>Which rule a benchmark submission is built to exercise.</summary>
internal enum SubmissionKind
{
    /// <summary>The admin email is an existing full admin.</summary>
    RuleA,

    /// <summary>A shared name stem and a corporate domain used by organizations with that stem.</summary>
    RuleB,

    /// <summary>A new name at a new domain: no candidate.</summary>
    Miss,

    /// <summary>A Rule B hit typed as the stem alone ("Acme", "HP"): a short name's key, a range over the name-key index.</summary>
    ShortName,
}

/// <summary>One wizard submission of the benchmark.</summary>
internal sealed record BenchSubmission(SubmissionKind Kind, string CompanyName, string AdminEmail)
{
    /// <summary>As the wizard validates it.</summary>
    public Submission ToSubmission() =>
        SubmissionValidator.TryCreate(CompanyName, AdminEmail, out var submission, out var errors)
            ? submission
            : throw new InvalidOperationException($"Generated an invalid submission: {string.Join("; ", errors.SelectMany(e => e.Value))}");
}

/// <summary>
/// A deterministic (seeded) population of organizations shaped like a real customer base: names that collide on
/// the 5-character key (a few dozen popular stems such as "Acme …", "Global …", "Tech …" shared by thousands,
/// the rest unique), 1–50 users per organization (most have 1–5), corporate domains shared by groups of
/// organizations with the same stem, free-mail addresses, active and expired subscriptions, and created dates
/// spread over 15 years.
/// </summary>
internal sealed class SyntheticOrganizations
{
    /// <summary>The fixed "now" of the data set, so a seed always yields the same organizations and assessments.</summary>
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Popular stems, most popular first (weights fall as 1/(rank+8)); variants differ in case and accents only.</summary>
    static readonly string[][] Stems =
    [
        ["Acme", "ACME", "Acmé"], ["Global", "GLOBAL"], ["Tech", "TECH"], ["Inter", "Inter-"], ["United"], ["National"],
        ["First"], ["Smart", "SMART"], ["Digital"], ["Green"], ["Alpha"], ["Blue"], ["North"], ["Euro"], ["Advanced"],
        ["Premier"], ["Pacific"], ["Atlas"], ["Nova"], ["Prime"], ["Apex"], ["Summit"], ["Delta"], ["Omega"],
        ["Vertex"], ["Iberia", "Ibéria"], ["Nordic"], ["Metro"], ["Royal"], ["Telefónica", "Telefonica", "TELEFÓNICA"],
        ["Bücher", "Bucher"], ["Sunrise"], ["Star"], ["Silver"], ["Golden"], ["Pioneer"], ["Quantum"], ["Eagle"], ["Ocean"], ["Cedar"],
        ["HP"], ["BT"], ["ABB"], ["3M"],
    ];

    static readonly string[] Words =
    [
        "Solutions", "Logistics", "Systems", "Consulting", "Holdings", "Group", "Labs", "Industries", "Services",
        "Partners", "Media", "Foods", "Energy", "Health", "Capital", "Software", "Networks", "Analytics", "Retail",
        "Motors", "Pharma", "Finance", "Engineering", "Design", "Studio", "Ventures", "Security", "Cloud", "Data", "Robotics",
    ];

    static readonly string[] LegalForms = ["", "", "", " Inc.", " Ltd", " S.L.", " GmbH", " S.A.", " LLC", " Corp.", " B.V.", " S.p.A.", ", Inc."];
    static readonly string[] Tlds = ["com", "com", "com", "es", "de", "co.uk", "io", "net", "fr", "it", "nl"];
    static readonly string[] FreeMail = ["gmail.com", "gmail.com", "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "hotmail.es", "gmx.de", "proton.me"];
    static readonly string[] Syllables = ["ka", "lo", "ren", "vi", "tor", "za", "mi", "qu", "bel", "dra", "no", "sa", "xi", "pe", "lu", "gor", "fin", "ta", "ro", "mar", "zen", "ol", "cy", "da"];
    static readonly string[] FirstNames = ["ana", "bob", "carla", "dan", "elena", "frank", "gina", "hugo", "irene", "jorge", "klaus", "lucia", "marta", "nina", "omar", "pablo", "rosa", "sara", "tomas", "ugo", "vera", "wei", "yuki", "zoe"];
    static readonly string[] LastNames = ["ruiz", "stone", "gomez", "martin", "ortega", "prieto", "sanz", "muller", "rossi", "dubois", "smith", "tanaka", "khan", "novak", "silva", "berg"];

    // What matching submissions are built from.
    readonly List<(string Email, string OrganizationName)> admins = [];
    readonly List<(int Stem, string Domain)> stemDomains = [];

    SyntheticOrganizations(IReadOnlyList<Organization> organizations) => Organizations = organizations;

    /// <summary>The organizations.</summary>
    public IReadOnlyList<Organization> Organizations { get; }

    /// <summary>How many users all organizations have.</summary>
    public int UserCount => Organizations.Sum(o => o.Users.Count);

    /// <summary>How many index entities the organizations need: one per address, one per (domain, name key).</summary>
    public int IndexEntityCount =>
        Organizations.SelectMany(o => o.Users).Select(u => EmailAddress.Normalize(u.Email)).Distinct(StringComparer.Ordinal).Count()
        + Organizations.SelectMany(o => o.Users.Select(u => $"{EmailAddress.DomainOf(u.Email)}|{CompanyName.Key(o.Name)}")).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Generates <paramref name="count"/> organizations; the same seed always gives the same ones.</summary>
    public static SyntheticOrganizations Generate(int count, int seed)
    {
        var random = new Random(seed);
        var organizations = new List<Organization>(count);
        var world = new SyntheticOrganizations(organizations);
        var stemWeights = Enumerable.Range(0, Stems.Length).Select(r => 1.0 / (r + 8)).ToArray();
        var stemTotal = stemWeights.Sum();

        // Per stem, the corporate groups so far: their domain and the admin they may share (a person running several subsidiaries).
        var groups = Enumerable.Range(0, Stems.Length).Select(_ => new List<(string Domain, string Admin)>()).ToArray();
        var groupOfMember = Enumerable.Range(0, Stems.Length).Select(_ => new List<int>()).ToArray();

        for (var i = 0; i < count; i++)
        {
            var id = "org-" + i.ToString("D6", CultureInfo.InvariantCulture);
            string name;
            string domain;
            string? sharedAdmin = null;
            var stem = -1;
            // 30% carry a popular stem: the most popular about 2% of all organizations, the least about 0.4%.
            if (random.NextDouble() < 0.30)
            {
                stem = Pick(random, stemWeights, stemTotal);
                var variants = Stems[stem];
                name = $"{variants[random.Next(variants.Length)]} {Words[random.Next(Words.Length)]}{LegalForms[random.Next(LegalForms.Length)]}";

                // A third join an existing group of the stem, chosen in proportion to its size (a few groups grow large).
                if (groupOfMember[stem].Count > 0 && random.NextDouble() < 0.33)
                {
                    var group = groupOfMember[stem][random.Next(groupOfMember[stem].Count)];
                    domain = groups[stem][group].Domain;
                    sharedAdmin = random.NextDouble() < 0.25 ? groups[stem][group].Admin : null;
                    groupOfMember[stem].Add(group);
                }
                else
                {
                    var slug = Slug(variants[0]);
                    domain = groups[stem].Count == 0
                        ? $"{slug}.com"
                        : $"{slug}{(random.Next(2) == 0 ? "-" : string.Empty)}{Slug(Words[random.Next(Words.Length)])}{(random.Next(3) == 0 ? groups[stem].Count.ToString(CultureInfo.InvariantCulture) : string.Empty)}.{Tlds[random.Next(Tlds.Length)]}";
                    groups[stem].Add((domain, string.Empty));
                    groupOfMember[stem].Add(groups[stem].Count - 1);
                }
            }
            else
            {
                var invented = Invent(random);
                name = $"{invented}{(random.Next(2) == 0 ? " " + Words[random.Next(Words.Length)] : string.Empty)}{LegalForms[random.Next(LegalForms.Length)]}";
                domain = $"{Slug(invented)}{i.ToString(CultureInfo.InvariantCulture)}.{Tlds[random.Next(Tlds.Length)]}";
            }

            // 1–50 users: mostly 1–5, a long tail up to 50.
            var userCount = random.NextDouble() < 0.03 ? random.Next(10, 51) : Math.Min(50, 1 + (int)(-Math.Log(1 - random.NextDouble()) * 2.2));
            var smallAndInformal = userCount <= 2 && random.NextDouble() < 0.4;
            var users = new List<OrganizationUser>(userCount);
            var emails = new HashSet<string>(StringComparer.Ordinal);
            var hasAdmin = random.NextDouble() >= 0.03;
            for (var u = 0; u < userCount; u++)
            {
                string email;
                if (u == 0 && sharedAdmin is { Length: > 0 })
                {
                    email = sharedAdmin;
                }
                else
                {
                    var person = $"{FirstNames[random.Next(FirstNames.Length)]}.{LastNames[random.Next(LastNames.Length)]}";
                    email = (u == 0 && smallAndInformal) || random.NextDouble() < 0.08
                        ? $"{person}{random.Next(1_000_000).ToString(CultureInfo.InvariantCulture)}@{FreeMail[random.Next(FreeMail.Length)]}"
                        : $"{person}{(u == 0 ? string.Empty : u.ToString(CultureInfo.InvariantCulture))}.{i.ToString(CultureInfo.InvariantCulture)}@{domain}";
                }

                if (!emails.Add(email))
                {
                    continue;
                }

                UserRole[] roles = u == 0 && hasAdmin ? [UserRole.FullAdmin]
                    : random.NextDouble() < 0.08 ? [UserRole.FullAdmin]
                    : random.NextDouble() < 0.1 ? [UserRole.ReadOnlyAdmin]
                    : [];
                var user = new OrganizationUser(email, random.Next(3) == 0 ? null : TitleCase(email.Split('@')[0].Split('.')[0]), roles);
                users.Add(user);
                if (user.IsFullAdmin)
                {
                    world.admins.Add((email, name));
                }
            }

            if (stem >= 0 && users.Count > 0 && users[0].IsFullAdmin && EmailAddress.DomainOf(users[0].Email) == domain)
            {
                var group = groupOfMember[stem][^1];
                if (groups[stem][group].Admin.Length == 0)
                {
                    groups[stem][group] = (domain, users[0].Email);
                }
            }

            if (stem >= 0 && users.Any(u => EmailAddress.DomainOf(u.Email) == domain))
            {
                world.stemDomains.Add((stem, domain));
            }

            // Older organizations have more history and are less often still active.
            var createdAt = Now.AddDays(-random.Next(15 * 365)).AddMinutes(-random.Next(24 * 60));
            var age = (Now - createdAt).TotalDays / (15 * 365);
            var subscriptionCount = random.NextDouble() < 0.1 ? 0 : 1 + (int)(-Math.Log(1 - random.NextDouble()) * (0.5 + (2 * age)));
            var activeChance = 0.85 - (0.6 * age);
            var subscriptions = Enumerable.Range(0, Math.Min(subscriptionCount, 20))
                .Select(s => new OrganizationSubscription(
                    $"sub-{i.ToString(CultureInfo.InvariantCulture)}-{s.ToString(CultureInfo.InvariantCulture)}",
                    random.NextDouble() < activeChance ? SubscriptionStatus.Active : random.NextDouble() < 0.8 ? SubscriptionStatus.Expired : SubscriptionStatus.Cancelled))
                .ToList();

            organizations.Add(new Organization(id, name, random.NextDouble() < 0.15 ? OrganizationType.Partner : OrganizationType.Customer, createdAt, users, subscriptions));
        }

        return world;
    }

    /// <summary>
    /// Deterministic submissions, in equal thirds: Rule A hits (an existing full admin's address), Rule B hits (a
    /// popular stem with a new address at a corporate domain used by organizations with that stem; one in four typed
    /// as the stem alone) and misses (an invented name at a new domain).
    /// </summary>
    public IReadOnlyList<BenchSubmission> Submissions(int count, int seed)
    {
        var random = new Random(seed);
        var list = new List<BenchSubmission>(count);
        for (var n = 0; n < count; n++)
        {
            var kind = (SubmissionKind)(n % 3);
            list.Add(kind switch
            {
                SubmissionKind.RuleA when admins.Count > 0 => RuleA(random),
                SubmissionKind.RuleB when stemDomains.Count > 0 => RuleB(random, n),
                _ => Miss(random, n),
            });
        }

        return list;
    }

    BenchSubmission RuleA(Random random)
    {
        var (email, organizationName) = admins[random.Next(admins.Count)];
        var name = random.Next(2) == 0 ? organizationName : Invent(random) + " " + Words[random.Next(Words.Length)];
        return new(SubmissionKind.RuleA, name, email.ToUpperInvariant());
    }

    // One Rule B hit in four is typed as the stem alone, as people type their company's short name.
    BenchSubmission RuleB(Random random, int n)
    {
        var (stem, domain) = stemDomains[random.Next(stemDomains.Count)];
        var variants = Stems[stem];
        var (variant, word) = (variants[random.Next(variants.Length)], Words[random.Next(Words.Length)]);
        var email = $"new.admin{n.ToString(CultureInfo.InvariantCulture)}@{domain}";
        // A two- or three-letter stem's organizations share no 5-character key ("HP Labs", "HP Data"): only its
        // short name finds them all.
        return n / 3 % 4 == 0 || variant.Length < 4 ? new(SubmissionKind.ShortName, variant, email) : new(SubmissionKind.RuleB, $"{variant} {word}", email);
    }

    static BenchSubmission Miss(Random random, int n)
    {
        var invented = Invent(random) + Invent(random);
        return new(SubmissionKind.Miss, $"{invented} {Words[random.Next(Words.Length)]}", $"owner{n.ToString(CultureInfo.InvariantCulture)}@{Slug(invented)}-new.example");
    }

    static int Pick(Random random, double[] weights, double total)
    {
        var x = random.NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    static string Invent(Random random)
    {
        var syllables = random.Next(2, 4);
        var word = string.Concat(Enumerable.Range(0, syllables).Select(_ => Syllables[random.Next(Syllables.Length)]));
        return TitleCase(word);
    }

    static string TitleCase(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    // The ASCII, lower-case, letters-and-digits form of a word, for domains.
    static string Slug(string word) => new(CompanyName.Normalize(word).Where(char.IsAsciiLetterOrDigit).ToArray());
}
