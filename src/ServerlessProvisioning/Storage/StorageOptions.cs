namespace ServerlessProvisioning.Storage;

/// <summary>The names of the product's tables, all sharing a prefix so that tests and environments can sit side by side.</summary>
public sealed record TableNames(string Prefix)
{
    /// <summary>The prefix used when none is configured.</summary>
    public const string DefaultPrefix = "prov";

    /// <summary>Organizations: one partition per organization, one row holding all of it (see OrganizationRows).</summary>
    public string Organizations => Prefix + "Organizations";

    /// <summary>Index: one entity per user email listing its organizations and whether it administers them.</summary>
    public string UserIndex => Prefix + "UserIndex";

    /// <summary>Index: one entity per (email domain, name key) listing organizations with that key and a user at that domain.</summary>
    public string DomainIndex => Prefix + "DomainIndex";

    /// <summary>Index: one entity per organization, keyed by its folded name, so a name prefix is a RowKey range.</summary>
    public string NameIndex => Prefix + "NameIndex";

    /// <summary>Index: one entity per subscription id naming the one organization that holds it.</summary>
    public string SubscriptionIndex => Prefix + "SubscriptionIndex";

    /// <summary>Orders: per order its projection, gate and audit trail.</summary>
    public string Orders => Prefix + "Orders";

    /// <summary>Index of orders, newest first, per stage.</summary>
    public string OrderIndex => Prefix + "OrderIndex";

    /// <summary>Link tokens, stored by hash.</summary>
    public string Tokens => Prefix + "Tokens";

    /// <summary>
    /// The blob container of the archive: the nightly directory exports (<c>directory/yyyy/MM/dd.ndjson</c>) and the
    /// audit of purged orders (<c>audit/yyyy-MM.ndjson</c>). In Azure infra/app/storage.bicep creates it, versioned and
    /// under a time-based retention policy; locally the first writer creates it.
    /// </summary>
    public string ArchiveContainer => Prefix.ToLowerInvariant() + "-archive";

    /// <summary>Emails sent, by message id: the order and email each delivery report is about.</summary>
    public string EmailMessages => Prefix + "EmailMessages";

    /// <summary>Every table, for creation at start-up.</summary>
    public IEnumerable<string> All => [Organizations, UserIndex, DomainIndex, NameIndex, SubscriptionIndex, Orders, OrderIndex, Tokens, EmailMessages];
}
