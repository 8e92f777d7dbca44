using System.Text.Json;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>What the deployment creates with no optional parameter: hardened, identity-only, least privilege.</summary>
public sealed class SecureDefaultsTests(InfraFixture infra)
{
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    [Fact]
    public async Task Storage_accepts_only_entra_identities_over_tls_1_2()
    {
        var storage = (await infra.WithDefaultsAsync()).Only("Microsoft.Storage/storageAccounts");

        Assert.False(storage.BoolAt("properties.allowSharedKeyAccess"), "storage must not accept account keys or SAS");
        Assert.False(storage.BoolAt("properties.allowBlobPublicAccess"), "no anonymous blob access");
        Assert.True(storage.BoolAt("properties.supportsHttpsTrafficOnly"));
        Assert.Equal("TLS1_2", storage.StringAt("properties.minimumTlsVersion"));
    }

    [Fact]
    public async Task Every_container_is_private()
    {
        var containers = (await infra.WithDefaultsAsync()).OfType("Microsoft.Storage/storageAccounts/blobServices/containers");

        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal("None", c.StringAt("properties.publicAccess")));
    }

    [Fact]
    public async Task Function_app_runs_on_flex_consumption_with_dotnet_isolated_10()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var plan = snapshot.Only("Microsoft.Web/serverfarms");
        var site = snapshot.Only("Microsoft.Web/sites");

        Assert.Equal("FC1", plan.StringAt("sku.name"));
        Assert.Equal("FlexConsumption", plan.StringAt("sku.tier"));
        Assert.Equal(plan.StringAt("id"), site.StringAt("properties.serverFarmId"));
        Assert.Equal("dotnet-isolated", site.StringAt("properties.functionAppConfig.runtime.name"));
        Assert.Equal("10.0", site.StringAt("properties.functionAppConfig.runtime.version"));
        Assert.Equal("blobContainer", site.StringAt("properties.functionAppConfig.deployment.storage.type"));
        Assert.Equal("SystemAssignedIdentity", site.StringAt("properties.functionAppConfig.deployment.storage.authentication.type"));
    }

    [Fact]
    public async Task Function_app_is_https_only_with_tls_1_2_no_ftp_and_no_basic_publishing_credentials()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var site = snapshot.Only("Microsoft.Web/sites");

        Assert.True(site.BoolAt("properties.httpsOnly"));
        Assert.Equal("1.2", site.StringAt("properties.siteConfig.minTlsVersion"));
        Assert.Equal("1.2", site.StringAt("properties.siteConfig.scmMinTlsVersion"));
        Assert.Equal("Disabled", site.StringAt("properties.siteConfig.ftpsState"));
        Assert.Equal("SystemAssigned", site.StringAt("identity.type"));

        var policies = snapshot.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        foreach (var kind in new[] { "scm", "ftp" })
        {
            var policy = Assert.Single(policies, p => p.StringAt("name")!.EndsWith($"/{kind}", StringComparison.Ordinal));
            Assert.False(policy.BoolAt("properties.allow"), $"basic {kind} publishing credentials must be disabled");
        }
    }

    [Fact]
    public async Task Function_app_settings_are_not_set_at_creation()
    {
        // They come from the one sites/config 'appsettings', after the identity has its roles (api-settings.bicep).
        var site = (await infra.WithDefaultsAsync()).Only("Microsoft.Web/sites");

        Assert.False(site.At("properties.siteConfig").TryGetProperty("appSettings", out _));
    }

    [Fact]
    public async Task Telemetry_key_vault_and_email_accept_no_local_keys()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var insights = snapshot.Only("Microsoft.Insights/components");
        var vault = snapshot.Only("Microsoft.KeyVault/vaults");
        var communication = snapshot.Only("Microsoft.Communication/communicationServices");

        Assert.True(insights.BoolAt("properties.DisableLocalAuth"), "Application Insights must require Entra ID");
        Assert.Equal(snapshot.Only("Microsoft.OperationalInsights/workspaces").StringAt("id"), insights.StringAt("properties.WorkspaceResourceId"));
        Assert.True(vault.BoolAt("properties.enableRbacAuthorization"), "Key Vault must use Azure RBAC, not access policies");
        Assert.True(vault.BoolAt("properties.enableSoftDelete"));
        Assert.True(communication.BoolAt("properties.disableLocalAuth"), "the Communication Service must not issue access keys");
    }

    [Fact]
    public async Task Email_uses_an_azure_managed_domain_linked_to_the_communication_service()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var domain = snapshot.Only("Microsoft.Communication/emailServices/domains");
        var communication = snapshot.Only("Microsoft.Communication/communicationServices");

        Assert.EndsWith("/AzureManagedDomain", domain.StringAt("name"), StringComparison.Ordinal);
        Assert.Equal("AzureManaged", domain.StringAt("properties.domainManagement"));
        Assert.Equal(domain.StringAt("id"), Assert.Single(communication.At("properties.linkedDomains").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task The_app_identity_holds_each_role_it_needs_on_the_resource_that_needs_it()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var assignments = snapshot.OfType("Microsoft.Authorization/roleAssignments");
        var site = snapshot.Only("Microsoft.Web/sites");

        Assert.All(assignments, a =>
        {
            Assert.Contains($"'{site.StringAt("id")}'", a.StringAt("properties.principalId"), StringComparison.Ordinal);
            Assert.Contains(".identity.principalId", a.StringAt("properties.principalId"), StringComparison.Ordinal);
            Assert.Equal("ServicePrincipal", a.StringAt("properties.principalType"));
            // guid(scope, principal, role): stable across redeployments.
            Assert.StartsWith("[guid(", a.StringAt("name"), StringComparison.Ordinal);
        });

        AssertRole(StorageBlobDataOwner, snapshot.Only("Microsoft.Storage/storageAccounts"));
        AssertRole(StorageQueueDataContributor, snapshot.Only("Microsoft.Storage/storageAccounts"));
        AssertRole(StorageTableDataContributor, snapshot.Only("Microsoft.Storage/storageAccounts"));
        AssertRole(KeyVaultSecretsUser, snapshot.Only("Microsoft.KeyVault/vaults"));
        AssertRole(MonitoringMetricsPublisher, snapshot.Only("Microsoft.Insights/components"));
        AssertRole(snapshot.Only("Microsoft.Authorization/roleDefinitions").StringAt("name")!, snapshot.Only("Microsoft.Communication/communicationServices"));
        Assert.Equal(6, assignments.Count);

        void AssertRole(string roleGuid, JsonElement scope)
        {
            var roleId = $"/subscriptions/00000000-0000-0000-0000-00000000c0de/providers/Microsoft.Authorization/roleDefinitions/{roleGuid}";
            Assert.True(
                assignments.Any(a => a.StringAt("properties.roleDefinitionId") == roleId
                                     && a.StringAt("id")!.StartsWith($"[extensionResourceId('{scope.StringAt("id")}', 'Microsoft.Authorization/roleAssignments'", StringComparison.Ordinal)),
                $"The app identity should hold role {roleGuid} on {JsonPath.Describe(scope)}.");
        }
    }

    [Fact]
    public async Task The_email_sender_role_grants_exactly_what_sending_needs()
    {
        var role = (await infra.WithDefaultsAsync()).Only("Microsoft.Authorization/roleDefinitions");
        var permissions = Assert.Single(role.At("properties.permissions").EnumerateArray());

        Assert.Equal(
            ["Microsoft.Communication/CommunicationServices/Read", "Microsoft.Communication/CommunicationServices/Write", "Microsoft.Communication/EmailServices/write"],
            permissions.At("actions").EnumerateArray().Select(a => a.GetString()!).Order(StringComparer.Ordinal));
        Assert.Empty(permissions.At("dataActions").EnumerateArray());
        Assert.Equal(
            "/subscriptions/00000000-0000-0000-0000-00000000c0de/resourceGroups/rg-dev",
            Assert.Single(role.At("properties.assignableScopes").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Every_resource_with_tags_names_its_azd_environment()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var taggable = snapshot.Resources.Where(r => r.TryGetProperty("location", out _)).ToList();

        Assert.NotEmpty(taggable);
        Assert.All(taggable, r => Assert.True(
            r.TryGetProperty("tags", out var tags) && tags.TryGetProperty("azd-env-name", out var env) && env.GetString() == "dev",
            $"{JsonPath.Describe(r)} lacks the azd-env-name tag"));
    }

    [Fact]
    public async Task Only_the_function_app_is_the_azd_api_service()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var services = snapshot.Resources
            .Where(r => r.TryGetProperty("tags", out var tags) && tags.TryGetProperty("azd-service-name", out _))
            .ToList();

        var service = Assert.Single(services);
        Assert.Equal("Microsoft.Web/sites", service.StringAt("type"));
        Assert.Equal("api", service.At("tags").StringAt("azd-service-name"));
    }

    [Fact]
    public async Task Outputs_never_carry_the_webhook_secret()
    {
        var snapshot = await infra.WithEveryOptionAsync();

        Assert.DoesNotContain(InfraFixture.WebhookSecret, snapshot.Outputs.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("orderWebhookSecret", snapshot.Outputs.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }
}
