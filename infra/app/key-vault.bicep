// Key Vault holding the order webhook secret, the link-token key and the operator key. Access is by Azure RBAC only (no
// access policies); the function app reads the secrets through Key Vault references in its app settings.

@description('Name of the vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags put on every resource.')
param tags object

@description('HMAC secret of the order webhook (SPEC §3), stored as the secret OrderWebhookSecret.')
@secure()
param orderWebhookSecret string

@description('Key the link tokens are derived with, stored as the secret LinkTokenSecret.')
@secure()
param linkTokenSecret string

@description('The operator key, the machine credential of the operator routes (x-functions-key), stored as the secret OperatorKey.')
@secure()
param operatorKey string

@description('Purge protection: deleted secrets and the vault itself cannot be purged before the retention period ends. Recommended for production; it makes `azd down --purge` leave the vault name taken for the retention period.')
param enablePurgeProtection bool = false

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Purge protection cannot be turned off once on, and the service rejects an explicit false: omit it instead.
    enablePurgeProtection: enablePurgeProtection ? true : null
    // No virtual network here: App Service resolves Key Vault references over the public endpoint.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }

  resource linkSecret 'secrets' = {
    name: 'LinkTokenSecret'
    properties: {
      value: linkTokenSecret
      contentType: 'text/plain'
    }
  }

  // Rotated by writing a new version (docs/deploy.md); the versionless reference picks it up on the next restart.
  resource operatorKeySecret 'secrets' = {
    name: 'OperatorKey'
    properties: {
      value: operatorKey
      contentType: 'text/plain'
    }
  }

  resource webhookSecret 'secrets' = {
    name: 'OrderWebhookSecret'
    properties: {
      value: orderWebhookSecret
      contentType: 'text/plain'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
// Versionless, so App Service picks up a rotated secret without a redeployment.
output webhookSecretUri string = vault::webhookSecret.properties.secretUri
output linkTokenSecretUri string = vault::linkSecret.properties.secretUri
output operatorKeySecretUri string = vault::operatorKeySecret.properties.secretUri
