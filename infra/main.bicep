// Serverless Provisioning in Azure: `azd up` creates the resource group rg-<environmentName> with a Flex Consumption
// function app (API, durable workflow, wizard and approval pages), its storage, Key Vault, Application Insights and
// Azure Communication Services email. Every connection is made with the app's managed identity; no keys are issued.
targetScope = 'subscription'

@description('Name of the azd environment; names the resource group and feeds every resource name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region of every regional resource; it must offer the Flex Consumption plan.')
@minLength(1)
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('HMAC secret of the order webhook (SPEC §3), shared with the order system. Generate with `openssl rand -hex 32`.')
@secure()
@minLength(32)
param orderWebhookSecret string

@description('Key the wizard and approval link tokens are derived with; known only to this service (not to the order system). Generate with `openssl rand -hex 32`.')
@secure()
@minLength(32)
param linkTokenSecret string

@description('The operator key: the machine credential of the operator routes (x-functions-key), kept in Key Vault. People sign in instead (operatorSignInClientId). Generate with `openssl rand -hex 32`.')
@secure()
@minLength(32)
param operatorKey string

@description('Provisioning:OrderCallbackUrl - where finished orders are reported. Empty: no callback, and the setting is left out.')
param orderCallbackUrl string = ''

@description('Provisioning:FreeMailDomains - comma-separated list replacing the built-in one. Empty: the built-in list, and the setting is left out.')
param freeMailDomains string = ''

@description('Provisioning:InvitationLifetime - how long an invitation and the organization choice stay open (d.hh:mm:ss).')
param invitationLifetime string = '30.00:00:00'

@description('Provisioning:InvitationReminderBefore - how long before the invitation deadline the reminder goes out.')
param invitationReminderBefore string = '7.00:00:00'

@description('Provisioning:ApprovalLifetime - how long the existing administrator has to decide.')
param approvalLifetime string = '7.00:00:00'

@description('Provisioning:CompletedRetention - how long a finished order (workflow history, links, audit) is kept before the hourly purge removes it.')
param completedRetention string = '30.00:00:00'

@description('Provisioning:ApprovalReminderBefore - how long before the approval deadline the reminder goes out.')
param approvalReminderBefore string = '2.00:00:00'

@description('Provisioning:AbandonedAfter - age after which an organization with no active subscription is PossiblyAbandoned.')
param abandonedAfter string = '365.00:00:00'

@description('Where Azure Communication Services keeps email data at rest, e.g. Europe or United States.')
param emailDataLocation string = 'Europe'

@description('Turn on Key Vault purge protection (recommended for production; see docs/deploy.md before enabling).')
param keyVaultPurgeProtection bool = false

@description('Object id of the principal running the deployment; azd passes the signed-in user (AZURE_PRINCIPAL_ID). It gets Storage Table Data Contributor so it can inspect the tables and load the organization directory with shared keys off. Empty: no role.')
param principalId string = ''

@description('Whether principalId is a user or a service principal (a pipeline).')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Grant the app the built-in Communication and Email Service Owner role instead of creating the narrower custom email sender role: for deployers who may assign roles but not create role definitions.')
param useBuiltInEmailRole bool = false

@description('A domain of your own to send email from, e.g. mail.example.com (production volumes). Empty: the Azure-managed domain only.')
param customEmailDomain string = ''

@description('The sender username on customEmailDomain: email goes out from <username>@<customEmailDomain>.')
param customEmailSenderUsername string = 'DoNotReply'

@description('Set to true once customEmailDomain\'s DNS records are verified: the domain is then linked and becomes the sender (docs/deploy.md).')
param customEmailDomainVerified bool = false

@description('Application (client) id of a Microsoft Entra ID app registration: turns on App Service Authentication so operators can sign in as people (docs/deploy.md). Empty: off.')
param operatorSignInClientId string = ''

@description('Tenant of the operator sign-in app registration. Empty: the tenant of the deployment.')
param operatorSignInTenantId string = ''

@description('Days the Log Analytics workspace keeps logs, Application Insights data included: longer than an order can live, so an incident can be traced back to its order.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 90

@description('Email address the alerts go to (docs/operations.md). Empty: no action group; the alerts still fire and show under Monitor > Alerts, but nobody is told.')
param alertEmail string = ''

@description('Redundancy of the storage account (organizations, orders, the archive). Standard_ZRS or Standard_GZRS for production (docs/recovery.md).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Put a CanNotDelete lock on the resource group (production). false for a throwaway environment that azd down should remove.')
param resourceGroupLock bool = true

@description('Upper bound on Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'

// host.json reads the durable task hub name from %TASKHUB_NAME%. Task hub names are letters and digits (3-45,
// starting with a letter); azd environment names may also hold - _ . ( ), which are dropped here.
var taskHubSuffix = reduce(
  ['-', '_', '.', '(', ')'],
  toLower(environmentName),
  (name, separator) => replace(name, separator, '')
)
var taskHubName = take('provisioning${taskHubSuffix}', 45)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    skuName: storageSku
  }
}

module resourceGroupDeleteLock 'app/resource-group-lock.bicep' = if (resourceGroupLock) {
  name: 'resource-group-lock'
  scope: rg
}

module keyVault 'app/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    orderWebhookSecret: orderWebhookSecret
    linkTokenSecret: linkTokenSecret
    operatorKey: operatorKey
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

module email 'app/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    emailServiceName: '${abbrs.communicationEmailServices}${resourceToken}'
    communicationServiceName: '${abbrs.communicationServices}${resourceToken}'
    dataLocation: emailDataLocation
    tags: tags
    customDomainName: customEmailDomain
    customDomainSenderUsername: customEmailSenderUsername
    customDomainVerified: customEmailDomainVerified
  }
}

// Delivery reports (bounces) through Event Grid: the topic now, the webhook subscription after deploy (azure.yaml hook).
module emailEvents 'app/email-events.bicep' = {
  name: 'email-events'
  scope: rg
  params: {
    systemTopicName: '${abbrs.eventGridSystemTopics}${resourceToken}'
    communicationServiceName: email.outputs.communicationServiceName
    tags: tags
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    maximumInstanceCount: maximumInstanceCount
  }
}

module apiAccess 'app/api-access.bicep' = {
  name: 'api-access'
  scope: rg
  params: {
    principalId: api.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServiceName: email.outputs.communicationServiceName
    useBuiltInEmailRole: useBuiltInEmailRole
  }
}

module deployerAccess 'app/deployer-access.bicep' = if (!empty(principalId)) {
  name: 'deployer-access'
  scope: rg
  params: {
    principalId: principalId
    principalType: principalType
    storageAccountName: storage.outputs.name
  }
}

module apiAuth 'app/api-auth.bicep' = if (!empty(operatorSignInClientId)) {
  name: 'api-auth'
  scope: rg
  params: {
    functionAppName: api.outputs.name
    clientId: operatorSignInClientId
    tenantId: empty(operatorSignInTenantId) ? tenant().tenantId : operatorSignInTenantId
  }
}

module diagnostics 'app/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: rg
  params: {
    workspaceId: monitoring.outputs.logAnalyticsId
    communicationServiceName: email.outputs.communicationServiceName
    keyVaultName: keyVault.outputs.name
    functionAppName: api.outputs.name
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: '${abbrs.insightsScheduledQueryRules}${resourceToken}-'
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    location: location
    tags: tags
    workspaceId: monitoring.outputs.logAnalyticsId
    alertEmail: alertEmail
  }
}

module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceId: monitoring.outputs.logAnalyticsId
    displayName: 'Serverless Provisioning operations (${environmentName})'
  }
}

// The app settings: exactly the keys the product reads (ConfigurationKeys.All, SPEC §5, ':' written '__') plus the
// platform's. tests/ServerlessProvisioning.Infra.Tests checks this set against the code. Deliberately absent:
// Email__AcsConnectionString (email goes through the managed identity and Email__AcsEndpoint; the Communication
// Service has no keys).
var appSettings = {
  // AzureWebJobsStorage in its identity form: the host, the task hub and the product tables use the same account.
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  TASKHUB_NAME: taskHubName
  // The app's root leads to the operator console (PageFunctions.RootPage) instead of the host's default page.
  AzureWebJobsDisableHomepage: 'true'
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  Provisioning__OrderWebhookSecret: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.webhookSecretUri})'
  Provisioning__LinkTokenSecret: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.linkTokenSecretUri})'
  // The operator routes' machine credential; the worker checks it (the routes are anonymous to the Functions host).
  Provisioning__OperatorKey: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.operatorKeySecretUri})'
  // Links in emails point at the app itself, which serves /wizard/ and /approval/ (docs/deploy.md).
  Provisioning__PublicBaseUrl: api.outputs.uri
  Provisioning__InvitationLifetime: invitationLifetime
  Provisioning__InvitationReminderBefore: invitationReminderBefore
  Provisioning__ApprovalLifetime: approvalLifetime
  Provisioning__ApprovalReminderBefore: approvalReminderBefore
  Provisioning__AbandonedAfter: abandonedAfter
  Provisioning__CompletedRetention: completedRetention
  Email__AcsEndpoint: email.outputs.endpoint
  Email__SenderAddress: email.outputs.senderAddress
}

// Optional keys are written only when given: an empty value would still bind, and an empty OrderCallbackUrl fails
// the options' [Url] validation at start-up, while an absent one means "no callback".
var optionalAppSettings = union(
  empty(orderCallbackUrl) ? {} : { Provisioning__OrderCallbackUrl: orderCallbackUrl },
  empty(freeMailDomains) ? {} : { Provisioning__FreeMailDomains: freeMailDomains }
)

module apiSettings 'app/api-settings.bicep' = {
  name: 'api-settings'
  scope: rg
  // Settings go live only once the identity can use them, so the first start does not fail on 403s.
  dependsOn: [
    apiAccess
  ]
  params: {
    functionAppName: api.outputs.name
    appSettings: union(appSettings, optionalAppSettings)
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output ORDER_WEBHOOK_URL string = '${api.outputs.uri}/api/orders'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_COMMUNICATION_SERVICE_ENDPOINT string = email.outputs.endpoint
output EMAIL_SENDER_ADDRESS string = email.outputs.senderAddress
output TASKHUB_NAME string = taskHubName
// For the postdeploy hook that subscribes the app to email delivery reports (infra/hooks/email-events.sh).
output EMAIL_EVENTS_SYSTEM_TOPIC_NAME string = emailEvents.outputs.systemTopicName
output EMAIL_COMMUNICATION_SERVICE_NAME string = email.outputs.communicationServiceName
// With customEmailDomain: the DNS records to add before setting customEmailDomainVerified (docs/deploy.md).
output EMAIL_CUSTOM_DOMAIN_DNS_RECORDS object = email.outputs.customDomainDnsRecords
// With operator sign-in: the scope operators request tokens for (az account get-access-token --scope ...).
output OPERATOR_SIGN_IN_SCOPE string = empty(operatorSignInClientId) ? '' : 'api://${operatorSignInClientId}/.default'
