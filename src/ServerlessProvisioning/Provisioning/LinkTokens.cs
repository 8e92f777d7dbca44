using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Provisioning;

/// <summary>What a link token opens. A token of one kind never works as the other.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TokenKind>))]
public enum TokenKind
{
    /// <summary>The provisioning wizard.</summary>
    Wizard,

    /// <summary>The approval page, for a request to approve (the workflow waits for the decision).</summary>
    Approval,

    /// <summary>
    /// The approval page, for a request to add an administrator (PartnerForCustomer: the subscription is assigned and
    /// the workflow has finished; the API itself applies the decision). Derived apart from <see cref="Approval"/>, so a
    /// token of one kind never decides the other.
    /// </summary>
    AddAdmin,
}

/// <summary>
/// A stored token: only its hash is the key; nothing in it can be turned back into the token. <see cref="Generation"/>
/// is the invitation generation (wizard) or approval round (approval) it was issued for: a link of an older one is
/// dead as soon as the workflow has a newer one. <see cref="RevokedReason"/> says why a revoked link no longer works.
/// </summary>
public sealed record TokenRecord(TokenKind Kind, string OrderId, string InstanceId, DateTimeOffset ExpiresAt, string? Holder, bool Revoked, int Generation = 1, LinkGoneReason? RevokedReason = null);

/// <summary>The result of looking a token up.</summary>
public enum TokenLookup
{
    /// <summary>Valid.</summary>
    Found,

    /// <summary>Never issued, or issued for the other page: 404.</summary>
    Unknown,

    /// <summary>Expired or replaced: 410.</summary>
    Gone,
}

/// <summary>
/// Link tokens for the wizard and approval pages. A token is 256 bits derived with HMAC-SHA256 from a
/// secret key and what it opens (kind, instance, generation, holder): unguessable without the key, yet the
/// same on every retry of the activity that issues it, so an activity that runs twice sends the same link
/// (and the email's idempotency key suppresses the second send). Only a SHA-256 of the token is stored.
/// </summary>
public sealed class LinkTokens(TableServiceClient service, TableNames names, LinkTokenKey key)
{
    readonly TableClient table = service.GetTableClient(names.Tokens);

    // Each order's partition of the Orders table lists its token hashes, so a purge finds them without a scan.
    readonly TableClient orders = service.GetTableClient(names.Orders);
    const string TokenRowPrefix = "token|";

    /// <summary>The token for one purpose (pure; the same inputs give the same token).</summary>
    public string Derive(TokenKind kind, string instanceId, int generation, string holder)
    {
        var message = Encoding.UTF8.GetBytes($"{kind}|{instanceId}|{generation}|{holder.ToLowerInvariant()}");
        return System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(key.Bytes, message));
    }

    /// <summary>The storage key of a token: hex SHA-256.</summary>
    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The row of the order's partition that lists a token for the purge (<paramref name="token"/> as derived).</summary>
    public static TableEntity Listing(string orderId, string token) => new(TableKey.Encode(orderId), TokenRowPrefix + Hash(token));

    /// <summary>
    /// Derives a token and stores its hash (idempotent); returns the token for the link. <paramref name="listed"/>: the
    /// caller wrote its <see cref="Listing"/> already (in a progress record's batch), so only the token's own row is written.
    /// </summary>
    public async Task<string> IssueAsync(TokenKind kind, string orderId, string instanceId, int generation, string holder, DateTimeOffset expiresAt, CancellationToken cancellationToken, bool listed = false)
    {
        var token = Derive(kind, instanceId, generation, holder);
        var entity = new TableEntity(Hash(token), string.Empty)
        {
            ["Kind"] = kind.ToString(),
            ["OrderId"] = orderId,
            ["InstanceId"] = instanceId,
            ["ExpiresAt"] = expiresAt,
            ["Holder"] = holder,
            ["Revoked"] = false,
            ["Generation"] = generation,
        };
        if (!listed)
        {
            await orders.UpsertEntityAsync(Listing(orderId, token), TableUpdateMode.Replace, cancellationToken);
        }

        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        return token;
    }

    /// <summary>Marks a token revoked (its link answers 410 with <paramref name="reason"/> from then on).</summary>
    public async Task RevokeAsync(TokenKind kind, string instanceId, int generation, string holder, CancellationToken cancellationToken, LinkGoneReason reason = LinkGoneReason.Replaced)
    {
        var hash = Hash(Derive(kind, instanceId, generation, holder));
        try
        {
            await table.UpdateEntityAsync(new TableEntity(hash, string.Empty) { ["Revoked"] = true, ["RevokedReason"] = Json.NameOf(reason) }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Never issued: nothing to revoke.
        }
    }

    /// <summary>Looks a presented token up: one point read.</summary>
    public Task<(TokenLookup Result, TokenRecord? Record)> FindAsync(string token, TokenKind kind, DateTimeOffset now, CancellationToken cancellationToken) =>
        FindAsync(token, [kind], now, cancellationToken);

    /// <summary>Looks a presented token up when a page opens several kinds (the approval page: <see cref="TokenKind.Approval"/> and <see cref="TokenKind.AddAdmin"/>); the record says which.</summary>
    public async Task<(TokenLookup Result, TokenRecord? Record)> FindAsync(string token, IReadOnlyCollection<TokenKind> kinds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        if (!LooksLikeToken(token))
        {
            return (TokenLookup.Unknown, null);
        }

        var response = await table.GetEntityIfExistsAsync<TableEntity>(Hash(token), string.Empty, cancellationToken: cancellationToken);
        if (!response.HasValue || !Enum.TryParse<TokenKind>(response.Value!.GetString("Kind"), out var kind) || !kinds.Contains(kind))
        {
            return (TokenLookup.Unknown, null);
        }

        var entity = response.Value;
        var record = new TokenRecord(
            kind,
            entity.GetString("OrderId"),
            entity.GetString("InstanceId"),
            entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue,
            entity.GetString("Holder"),
            entity.GetBoolean("Revoked") ?? false,
            entity.GetInt32("Generation") ?? 1,
            Json.TryParseName<LinkGoneReason>(entity.GetString("RevokedReason"), out var reason) ? reason : null);
        return (record.Revoked ? TokenLookup.Gone : TokenLookup.Found, record);
    }

    /// <summary>Deletes every token issued for an order (retention purge): their links answer 404 from then on.</summary>
    public async Task DeleteForOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        var pk = TableKey.Encode(orderId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {TokenRowPrefix} and RowKey lt {"token}"}");
        await foreach (var row in orders.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(row.RowKey[TokenRowPrefix.Length..], string.Empty, ETag.All, cancellationToken);
            await orders.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
    }

    // Codes are FieldLimits.VerificationCodeDigits decimal digits, leading zeros kept.
    static readonly ulong CodeRange = (ulong)Math.Pow(10, FieldLimits.VerificationCodeDigits);

    /// <summary>
    /// The 6-digit code that proves an admin address: derived like a token, from the secret key and what it proves
    /// (instance, round, address), so the activity that sends it and the one that checks it agree without storing it,
    /// and a retried send sends the same code. Another round gives another code.
    /// </summary>
    public string VerificationCode(string instanceId, int round, string email)
    {
        var message = Encoding.UTF8.GetBytes($"verification|{instanceId}|{round}|{Matching.EmailAddress.Normalize(email)}");
        var bytes = HMACSHA256.HashData(key.Bytes, message);
        var number = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) % CodeRange;
        return number.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(FieldLimits.VerificationCodeDigits, '0');
    }

    /// <summary>A token is 43 base64url characters; anything else is unknown without a read.</summary>
    public static bool LooksLikeToken(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

/// <summary>The key link tokens are derived with: HKDF of <c>Provisioning:LinkTokenSecret</c>.</summary>
public sealed class LinkTokenKey
{
    /// <summary>Derives the key from the configured secret.</summary>
    public LinkTokenKey(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        Bytes = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, info: Encoding.UTF8.GetBytes("serverless-provisioning/link-tokens/v1"));
    }

    /// <summary>The key.</summary>
    internal byte[] Bytes { get; }
}
