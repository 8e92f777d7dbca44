using ServerlessProvisioning.Storage;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// What lets the directory and the audit be restored (docs/recovery.md): a versioned account whose archive container
/// is write-once, the redundancy a parameter, and the resource group locked against deletion unless turned off.
/// </summary>
public sealed class RecoveryTests(InfraFixture infra)
{
    const string Containers = "Microsoft.Storage/storageAccounts/blobServices/containers";

    static string LastSegment(System.Text.Json.JsonElement resource) => resource.StringAt("name")!.Split('/')[^1];

    [Fact]
    public async Task The_archive_container_is_the_one_the_app_writes_to_and_is_private()
    {
        var snapshot = await infra.WithDefaultsAsync();

        var archive = snapshot.OfType(Containers).Single(c => LastSegment(c) == new TableNames(TableNames.DefaultPrefix).ArchiveContainer);

        Assert.Equal("None", archive.StringAt("properties.publicAccess"));
    }

    [Fact]
    public async Task Archive_blobs_are_immutable_for_90_days_while_the_months_audit_blob_can_still_be_appended_to()
    {
        var policy = (await infra.WithDefaultsAsync()).Only("Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies");

        Assert.EndsWith($"/{new TableNames(TableNames.DefaultPrefix).ArchiveContainer}/default", policy.StringAt("name"), StringComparison.Ordinal);
        Assert.Equal(90, policy.At("properties.immutabilityPeriodSinceCreationInDays").GetInt32());
        Assert.True(policy.BoolAt("properties.allowProtectedAppendWrites"));
    }

    [Fact]
    public async Task Blob_versioning_is_on_and_previous_versions_are_deleted_after_a_week()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var blobService = snapshot.Only("Microsoft.Storage/storageAccounts/blobServices");
        var lifecycle = snapshot.Only("Microsoft.Storage/storageAccounts/managementPolicies");

        Assert.True(blobService.BoolAt("properties.isVersioningEnabled"));
        Assert.True(blobService.BoolAt("properties.containerDeleteRetentionPolicy.enabled"));
        var rule = lifecycle.At("properties.policy.rules")[0];
        Assert.Equal(7, rule.At("definition.actions.version.delete.daysAfterCreationGreaterThan").GetInt32());
        Assert.False(rule.At("definition.actions").TryGetProperty("baseBlob", out _), "only previous versions are deleted, never current blobs");
    }

    [Fact]
    public async Task Storage_redundancy_is_a_parameter_defaulting_to_locally_redundant()
    {
        var defaults = (await infra.WithDefaultsAsync()).Only("Microsoft.Storage/storageAccounts");
        var chosen = (await infra.WithEveryOptionAsync()).Only("Microsoft.Storage/storageAccounts");

        Assert.Equal("Standard_LRS", defaults.StringAt("sku.name"));
        Assert.Equal("Standard_GZRS", chosen.StringAt("sku.name"));
    }

    [Fact]
    public async Task The_resource_group_is_locked_against_deletion_unless_the_lock_is_turned_off()
    {
        var locked = (await infra.WithDefaultsAsync()).Only("Microsoft.Authorization/locks");
        var unlocked = (await infra.WithEveryOptionAsync()).OfType("Microsoft.Authorization/locks");

        Assert.Equal("CanNotDelete", locked.StringAt("properties.level"));
        Assert.Matches("^/subscriptions/[^/]+/resourceGroups/rg-dev/providers/Microsoft.Authorization/locks/do-not-delete$", locked.StringAt("id"));
        Assert.Empty(unlocked);
    }
}
