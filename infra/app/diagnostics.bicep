// Diagnostic settings: the platform's own logs of the email service, the vault and the function app go to the
// workspace the alerts and the workbook read. ACS email: every send request, every delivery status (Delivered,
// Bounced, Suppressed, Failed…) and engagement (off in this template, so normally empty). Key Vault: who read or
// changed a secret. Function app: the host's logs (FunctionAppLogs), including the Durable Task engine's warnings.

@description('Resource id of the Log Analytics workspace.')
param workspaceId string

@description('Name of the Communication Service that sends the email.')
param communicationServiceName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the function app.')
param functionAppName string

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' existing = {
  name: communicationServiceName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource emailLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'email-to-workspace'
  scope: communicationService
  properties: {
    workspaceId: workspaceId
    // Resource-specific tables (ACSEmailSendMailOperational, ACSEmailStatusUpdateOperational, …), not AzureDiagnostics.
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'EmailSendMailOperational'
        enabled: true
      }
      {
        category: 'EmailStatusUpdateOperational'
        enabled: true
      }
      {
        category: 'EmailUserEngagementOperational'
        enabled: true
      }
    ]
  }
}

resource vaultLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-workspace'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

resource appLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'host-to-workspace'
  scope: functionApp
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'FunctionAppLogs'
        enabled: true
      }
    ]
  }
}
