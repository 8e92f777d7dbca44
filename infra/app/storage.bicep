// The one storage account: the Functions host, the durable task hub (queues, tables, blobs), the product's own
// tables, the container Flex Consumption deploys packages from, and the archive (nightly directory exports and the
// audit of purged orders, docs/recovery.md). Reached only with Microsoft Entra identities.

@description('Name of the storage account (3-24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the account.')
param location string

@description('Tags put on every resource.')
param tags object

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Redundancy of the account: Standard_ZRS or Standard_GZRS for production (docs/recovery.md).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_LRS'

@description('Blob container of the archive; the app writes there by this name (TableNames.ArchiveContainer).')
param archiveContainerName string = 'prov-archive'

@description('Days every archive blob stays immutable (time-based retention, counted from each blob\'s creation).')
@minValue(1)
@maxValue(146000)
param archiveRetentionDays int = 90

@description('Days a blob\'s previous versions are kept before lifecycle management deletes them.')
@minValue(1)
param previousVersionDays int = 7

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    // No account keys and no SAS: every caller (the app, azd, operators) authenticates with Entra ID and RBAC.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // The Flex Consumption app has no virtual network here, so the endpoints stay public; identity is the gate.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'
    properties: {
      // An overwritten or deleted blob keeps its previous version (lifecycle management below deletes old ones), and a
      // deleted container can be brought back for a week.
      isVersioningEnabled: true
      containerDeleteRetentionPolicy: {
        enabled: true
        days: 7
      }
    }

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    // directory/yyyy/MM/dd.ndjson (the nightly export) and audit/yyyy-MM.ndjson (purged orders' audit, append blobs).
    resource archiveContainer 'containers' = {
      name: archiveContainerName
      properties: {
        publicAccess: 'None'
      }

      // Write once: no blob can be overwritten or deleted until it is archiveRetentionDays old, by anyone, the app's
      // identity and the subscription's owners included; appending to the month's audit blob stays allowed. Left
      // unlocked so a throwaway environment can still be torn down and the period changed; lock it for production
      // (docs/recovery.md), after which it can only be extended.
      resource retention 'immutabilityPolicies' = {
        name: 'default'
        properties: {
          immutabilityPeriodSinceCreationInDays: archiveRetentionDays
          allowProtectedAppendWrites: true
        }
      }
    }
  }
}

// Versioning keeps a version of every overwrite, and the Functions host and the task hub overwrite small blobs all
// the time (timer schedules, leases' metadata): previous versions go after a week. Archive blobs are never
// overwritten, so they have no previous versions to lose.
resource previousVersions 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-previous-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
                'appendBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: previousVersionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output archiveContainerName string = archiveContainerName
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
