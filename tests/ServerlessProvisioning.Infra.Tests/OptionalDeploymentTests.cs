using System.Text.Json;

namespace ServerlessProvisioning.Infra.Tests;

/// <summary>
/// The options a deployer turns on: a data-plane role for themselves, the built-in email role instead of the custom
/// one, a custom sender domain (created, then linked once verified), and Entra ID sign-in for operators. Each is read
/// from the evaluated template; with the defaults none of them deploys anything.
/// </summary>
public sealed class OptionalDeploymentTests(InfraFixture infra)
{
    private const string Subscription = "/subscriptions/00000000-0000-0000-0000-00000000c0de";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string CommunicationAndEmailServiceOwner = "09976791-48a7-449e-bb21-39d1a415f350";

    private static string RoleId(string role) => $"{Subscription}/providers/Microsoft.Authorization/roleDefinitions/{role}";

    // An extension resource's id: an expression when its name is known only at deployment, else the literal path.
    private static bool IsScopedTo(JsonElement assignment, JsonElement resource) =>
        assignment.StringAt("id")!.StartsWith($"[extensionResourceId('{resource.StringAt("id")}', 'Microsoft.Authorization/roleAssignments'", StringComparison.Ordinal)
        || assignment.StringAt("id")!.StartsWith($"{resource.StringAt("id")}/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal);

    private static IEnumerable<JsonElement> AuthSettings(Snapshot snapshot) =>
        snapshot.OfType("Microsoft.Web/sites/config").Where(c => c.StringAt("name")!.EndsWith("/authsettingsV2", StringComparison.Ordinal));

    [Fact]
    public async Task The_deploying_user_may_read_and_write_the_tables_with_shared_keys_off()
    {
        var snapshot = await infra.WithEveryOptionAsync();
        var storage = snapshot.Only("Microsoft.Storage/storageAccounts");

        var deployer = Assert.Single(snapshot.OfType("Microsoft.Authorization/roleAssignments"), a => a.StringAt("properties.principalId") == InfraFixture.DeployerPrincipalId);

        Assert.Equal("User", deployer.StringAt("properties.principalType"));
        Assert.Equal(RoleId(StorageTableDataContributor), deployer.StringAt("properties.roleDefinitionId"));
        Assert.True(IsScopedTo(deployer, storage), $"the deployer's role should be on the storage account, not wider: {deployer.StringAt("id")}");
        Assert.False(storage.BoolAt("properties.allowSharedKeyAccess"));
    }

    [Fact]
    public async Task Without_a_principal_the_deployer_gets_no_role()
    {
        var snapshot = await infra.WithDefaultsAsync();

        Assert.DoesNotContain(snapshot.OfType("Microsoft.Authorization/roleAssignments"), a => a.StringAt("properties.principalType") != "ServicePrincipal");
    }

    [Fact]
    public async Task Azd_passes_the_signed_in_user_as_the_principal()
    {
        using var parameters = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(BicepCli.InfraDirectory, "main.parameters.json"), TestContext.Current.CancellationToken));
        var mapped = parameters.RootElement.GetProperty("parameters");

        Assert.Equal("${AZURE_PRINCIPAL_ID=}", mapped.GetProperty("principalId").GetProperty("value").GetString());
        Assert.Equal("${OPERATOR_SIGN_IN_CLIENT_ID=}", mapped.GetProperty("operatorSignInClientId").GetProperty("value").GetString());
        Assert.Equal("${CUSTOM_EMAIL_DOMAIN=}", mapped.GetProperty("customEmailDomain").GetProperty("value").GetString());
        Assert.Equal("${USE_BUILT_IN_EMAIL_ROLE=false}", mapped.GetProperty("useBuiltInEmailRole").GetProperty("value").GetString());
    }

    [Fact]
    public async Task The_built_in_email_role_replaces_the_custom_definition_for_deployers_who_cannot_create_one()
    {
        var snapshot = await infra.WithEveryOptionAsync();
        var communication = snapshot.Only("Microsoft.Communication/communicationServices");

        var email = Assert.Single(snapshot.OfType("Microsoft.Authorization/roleAssignments"), a => IsScopedTo(a, communication));

        Assert.Empty(snapshot.OfType("Microsoft.Authorization/roleDefinitions"));
        Assert.Equal(RoleId(CommunicationAndEmailServiceOwner), email.StringAt("properties.roleDefinitionId"));
        Assert.Equal("ServicePrincipal", email.StringAt("properties.principalType"));
    }

    [Fact]
    public async Task By_default_the_custom_email_role_is_the_one_assigned()
    {
        var snapshot = await infra.WithDefaultsAsync();
        var communication = snapshot.Only("Microsoft.Communication/communicationServices");
        var definition = snapshot.Only("Microsoft.Authorization/roleDefinitions");

        var email = Assert.Single(snapshot.OfType("Microsoft.Authorization/roleAssignments"), a => IsScopedTo(a, communication));

        Assert.Equal(RoleId(definition.StringAt("name")!), email.StringAt("properties.roleDefinitionId"));
    }

    [Fact]
    public async Task A_verified_custom_domain_is_linked_and_becomes_the_sender()
    {
        var snapshot = await infra.WithEveryOptionAsync();
        var communication = snapshot.Only("Microsoft.Communication/communicationServices");
        var domains = snapshot.OfType("Microsoft.Communication/emailServices/domains");
        var custom = Assert.Single(domains, d => d.StringAt("name")!.EndsWith($"/{InfraFixture.CustomEmailDomain}", StringComparison.Ordinal));
        var sender = snapshot.Only("Microsoft.Communication/emailServices/domains/senderUsernames");
        var expected = $"{InfraFixture.CustomEmailSenderUsername}@{InfraFixture.CustomEmailDomain}";

        Assert.Equal("CustomerManaged", custom.StringAt("properties.domainManagement"));
        Assert.Equal("Disabled", custom.StringAt("properties.userEngagementTracking"));
        Assert.EndsWith($"/{InfraFixture.CustomEmailDomain}/{InfraFixture.CustomEmailSenderUsername}", sender.StringAt("name"), StringComparison.Ordinal);
        Assert.Equal(InfraFixture.CustomEmailSenderUsername, sender.StringAt("properties.username"));
        Assert.Equal(
            domains.Select(d => d.StringAt("id")).Order(StringComparer.Ordinal),
            communication.At("properties.linkedDomains").EnumerateArray().Select(d => d.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(expected, snapshot.AppSettings["Email__SenderAddress"]);
        Assert.Equal(expected, snapshot.Outputs.StringAt("EMAIL_SENDER_ADDRESS"));
    }

    [Fact]
    public async Task An_unverified_custom_domain_is_created_with_its_DNS_records_but_not_yet_linked()
    {
        var snapshot = await infra.WithUnverifiedDomainAsync();
        var communication = snapshot.Only("Microsoft.Communication/communicationServices");
        var custom = Assert.Single(snapshot.OfType("Microsoft.Communication/emailServices/domains"), d => d.StringAt("name")!.EndsWith($"/{InfraFixture.CustomEmailDomain}", StringComparison.Ordinal));
        var managed = Assert.Single(snapshot.OfType("Microsoft.Communication/emailServices/domains"), d => d.StringAt("name")!.EndsWith("/AzureManagedDomain", StringComparison.Ordinal));

        Assert.Equal("CustomerManaged", custom.StringAt("properties.domainManagement"));
        Assert.Equal(managed.StringAt("id"), Assert.Single(communication.At("properties.linkedDomains").EnumerateArray()).GetString());
        Assert.StartsWith("[format('DoNotReply@{0}'", snapshot.AppSettings["Email__SenderAddress"], StringComparison.Ordinal);
        Assert.Equal("DoNotReply", snapshot.Only("Microsoft.Communication/emailServices/domains/senderUsernames").StringAt("properties.username"));
        // The records to add at the DNS provider come straight from the domain resource.
        Assert.Contains(".verificationRecords", snapshot.Outputs.StringAt("EMAIL_CUSTOM_DOMAIN_DNS_RECORDS"), StringComparison.Ordinal);
        Assert.Contains($"'{custom.StringAt("id")}'", snapshot.Outputs.StringAt("EMAIL_CUSTOM_DOMAIN_DNS_RECORDS"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_custom_domain_only_the_managed_domain_exists()
    {
        var snapshot = await infra.WithDefaultsAsync();

        Assert.Single(snapshot.OfType("Microsoft.Communication/emailServices/domains"));
        Assert.Empty(snapshot.OfType("Microsoft.Communication/emailServices/domains/senderUsernames"));
        Assert.Equal(JsonValueKind.Object, snapshot.Outputs.GetProperty("EMAIL_CUSTOM_DOMAIN_DNS_RECORDS").ValueKind);
        Assert.Empty(snapshot.Outputs.GetProperty("EMAIL_CUSTOM_DOMAIN_DNS_RECORDS").EnumerateObject());
    }

    [Fact]
    public async Task Operator_sign_in_turns_on_Entra_ID_without_locking_out_the_webhook_or_the_pages()
    {
        var snapshot = await infra.WithEveryOptionAsync();
        var site = snapshot.Only("Microsoft.Web/sites");

        var auth = Assert.Single(AuthSettings(snapshot));
        var entra = auth.At("properties.identityProviders.azureActiveDirectory");

        Assert.StartsWith(site.StringAt("name") + "/", auth.StringAt("name"), StringComparison.Ordinal);
        Assert.True(auth.BoolAt("properties.platform.enabled"));
        // The webhook, the wizard and the approval pages are called without a sign-in: nothing may be turned away.
        Assert.False(auth.BoolAt("properties.globalValidation.requireAuthentication"));
        Assert.Equal("AllowAnonymous", auth.StringAt("properties.globalValidation.unauthenticatedClientAction"));
        Assert.True(entra.BoolAt("enabled"));
        Assert.Equal(InfraFixture.OperatorSignInClientId, entra.StringAt("registration.clientId"));
        // The sign-in endpoint of whichever cloud it is deployed to, the deployment's tenant, the v2.0 issuer.
        Assert.Equal($"[format('{{0}}{{1}}/v2.0', environment().authentication.loginEndpoint, '{InfraFixture.TenantId}')]", entra.StringAt("registration.openIdIssuer"));
        Assert.Contains($"api://{InfraFixture.OperatorSignInClientId}", entra.At("validation.allowedAudiences").EnumerateArray().Select(a => a.GetString()));
        Assert.True(auth.BoolAt("properties.httpSettings.requireHttps"));
        Assert.Equal($"api://{InfraFixture.OperatorSignInClientId}/.default", snapshot.Outputs.StringAt("OPERATOR_SIGN_IN_SCOPE"));
    }

    [Fact]
    public async Task Operator_sign_in_is_off_by_default()
    {
        var snapshot = await infra.WithDefaultsAsync();

        Assert.Empty(AuthSettings(snapshot));
        Assert.Equal(string.Empty, snapshot.Outputs.StringAt("OPERATOR_SIGN_IN_SCOPE"));
    }

    [Fact]
    public async Task The_switch_that_trusts_principal_headers_is_left_to_App_Service()
    {
        // WEBSITE_AUTH_ENABLED is set by App Service itself while authentication is on, when it also strips forged
        // X-MS-CLIENT-PRINCIPAL-* headers. Written as an app setting it would trust forgeable headers with auth off.
        foreach (var snapshot in new[] { await infra.WithDefaultsAsync(), await infra.WithEveryOptionAsync() })
        {
            Assert.DoesNotContain(snapshot.AppSettings.Keys, k => k.StartsWith("WEBSITE_AUTH", StringComparison.OrdinalIgnoreCase));
        }
    }
}
