using ServerlessProvisioning.Notifications.Acs;

namespace ServerlessProvisioning.UnitTests.Notifications.Acs;

public class EmailOperationIdTests
{
    [Fact]
    public void CreateVersion5_matches_the_RFC_9562_example()
    {
        var dns = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        Assert.Equal(new Guid("2ed6657d-e927-568b-95e1-2665a8aea6a2"), ServerlessProvisioning.Primitives.NameBasedGuid.CreateVersion5(dns, "www.example.com"));
    }

    [Fact]
    public void The_same_key_gives_the_same_id_and_another_key_another_id()
    {
        var first = EmailOperationId.FromIdempotencyKey("order-42/Invitation");

        Assert.Equal(first, EmailOperationId.FromIdempotencyKey("order-42/Invitation"));
        Assert.NotEqual(first, EmailOperationId.FromIdempotencyKey("order-42/InvitationReminder"));
        Assert.NotEqual(first, EmailOperationId.FromIdempotencyKey("order-42/invitation"));
    }

    [Theory]
    [InlineData("order-42/Invitation")]
    [InlineData("é🙂 non-ascii key")]
    [InlineData("x")]
    public void Ids_are_version_5_RFC_variant_UUIDs(string key)
    {
        var id = EmailOperationId.FromIdempotencyKey(key);

        Assert.Equal(5, id.Version);
        Assert.Contains(id.ToString()[19], "89ab");
        Assert.Equal(id, ServerlessProvisioning.Primitives.NameBasedGuid.CreateVersion5(EmailOperationId.Namespace, key));
    }

    [Fact]
    public void Ids_never_change_across_releases()
    {
        // Pinned (computed independently with Python's uuid.uuid5): a changed namespace or encoding would give
        // in-flight emails new ids, and a retry across the release would send twice.
        Assert.Equal(new Guid("7a74f104-d07e-4267-b17f-31c1524cf85c"), EmailOperationId.Namespace);
        Assert.Equal(new Guid("86ab886d-64b7-5432-b9e4-d019e51aa7ca"), EmailOperationId.FromIdempotencyKey("order-42/Invitation"));
    }
}
