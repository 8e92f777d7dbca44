// What the person (or pipeline) running `azd up` may do in the data plane. Storage takes no shared keys, so without a
// role of their own they could not look into the tables or load the organization directory.

@description('Object id of the deploying principal (azd passes AZURE_PRINCIPAL_ID, the signed-in user).')
param principalId string

@description('Whether the principal is a user or a service principal (a pipeline).')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string

@description('Storage account holding the product tables.')
param storageAccountName string

// Built-in role definition id (the same in every tenant): read, write and delete table entities, nothing else.
var storageTableDataContributor = subscriptionResourceId(
  'Microsoft.Authorization/roleDefinitions',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
)

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource tableAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageTableDataContributor)
  scope: storage
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: storageTableDataContributor
  }
}
