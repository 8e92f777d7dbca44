// What the function app's managed identity may do, granted on each resource rather than on the resource group.
// Role assignment names are guid(scope, principal, role), so a redeployment finds them instead of duplicating.

@description('Object id of the function app\'s system-assigned identity.')
param principalId string

@description('Storage account of the host, the task hub, the product tables and the deployment container.')
param storageAccountName string

@description('Key Vault holding the order webhook secret.')
param keyVaultName string

@description('Application Insights component the app writes telemetry to.')
param applicationInsightsName string

@description('Communication Service the app sends email through.')
param communicationServiceName string

@description('Grant the built-in Communication and Email Service Owner role for sending email instead of creating the narrower custom role (for deployers who may not create role definitions).')
param useBuiltInEmailRole bool = false

// Built-in role definition ids (the same in every tenant).
var storageBlobDataOwner = subscriptionResourceId(
  'Microsoft.Authorization/roleDefinitions',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
)
var storageQueueDataContributor = subscriptionResourceId(
  'Microsoft.Authorization/roleDefinitions',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
)
var storageTableDataContributor = subscriptionResourceId(
  'Microsoft.Authorization/roleDefinitions',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
)
var keyVaultSecretsUser = subscriptionResourceId(
  'Microsoft.Authorization/roleDefinitions',
  '4633458b-17de-408a-b874-0445c86b69e6'
)
var monitoringMetricsPublisher = subscriptionResourceId(
  'Microsoft.Authorization/roleDefinitions',
  '3913510d-42f4-4e42-8a64-420c390055eb'
)

// Blob Data Owner (not Contributor): the Functions host and the durable task hub take blob leases and manage
// containers; Flex Consumption reads the deployment package with it too. Queues and tables: the task hub's
// control and work-item queues, its history and instance tables, and the product's own tables.
var storageRoles = [
  storageBlobDataOwner
  storageQueueDataContributor
  storageTableDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' existing = {
  name: communicationServiceName
}

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, principalId, role)
    scope: storage
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: role
    }
  }
]

// Reads secret values and nothing else (no writes, no vault management): all a Key Vault reference needs.
resource secretsAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: keyVaultSecretsUser
  }
}

// Local authentication is off on the component, so telemetry must be signed by this identity.
resource telemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: monitoringMetricsPublisher
  }
}

// Sending email with Microsoft Entra ID requires CommunicationServices/Read and /Write and EmailServices/write on
// the Communication Service (Azure Communication Services documentation). A custom role with exactly those is
// chosen over Contributor (or Communication and Email Service Owner) because those also grant ListKeys and
// RegenerateKey - an access key is full data-plane access - and delete. The definition lives at subscription
// level with this resource group as its only assignable scope; `azd down` does not remove it (see docs/deploy.md).
resource emailSenderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (!useBuiltInEmailRole) {
  name: guid(communicationService.id, 'email-sender')
  properties: {
    roleName: 'Email sender (${communicationService.name})'
    description: 'Send email through the Azure Communication Services resource ${communicationService.name} with Microsoft Entra ID; no keys, no delete.'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read'
          'Microsoft.Communication/CommunicationServices/Write'
          'Microsoft.Communication/EmailServices/write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

// The fallback: creating a role definition needs Microsoft.Authorization/roleDefinitions/write (Owner or User Access
// Administrator), which Role Based Access Control Administrator lacks; assigning a built-in role does not. The cost is
// the wider role described above (it can also read and regenerate the keys, which are disabled here, and delete).
var communicationAndEmailServiceOwner = '09976791-48a7-449e-bb21-39d1a415f350'

// A definition deployed from a resource group still lives at subscription level; role assignments want that id.
var emailSender = subscriptionResourceId(
  'Microsoft.Authorization/roleDefinitions',
  useBuiltInEmailRole ? communicationAndEmailServiceOwner : guid(communicationService.id, 'email-sender')
)

resource emailAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, principalId, emailSender)
  scope: communicationService
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: emailSender
  }
  // The custom definition must exist before it is assigned (an explicit dependency: its id is computed, not referenced).
  dependsOn: [
    emailSenderRole
  ]
}
