// Azure Communication Services email: an Email Communication Service with an Azure-managed domain
// (DoNotReply@<guid>.azurecomm.net), linked to a Communication Service that the app calls with its managed identity.

@description('Name of the Email Communication Service.')
param emailServiceName string

@description('Name of the Communication Service (also the first label of its endpoint host name).')
param communicationServiceName string

@description('Where the services keep their data at rest. The domain and the Communication Service must share it to be linked.')
param dataLocation string

@description('Tags put on every resource.')
param tags object

resource emailService 'Microsoft.Communication/emailServices@2025-05-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }

  resource managedDomain 'domains' = {
    name: 'AzureManagedDomain'
    location: 'global'
    tags: tags
    properties: {
      domainManagement: 'AzureManaged'
      // Tracking rewrites links; the emails carry one-time wizard and approval links that must stay as sent.
      userEngagementTracking: 'Disabled'
    }
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      emailService::managedDomain.id
    ]
    // No access keys: the app sends with its managed identity (Email:AcsEndpoint), never a connection string.
    disableLocalAuth: true
  }
}

output communicationServiceName string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
// An Azure-managed domain has exactly one sender, DoNotReply; other names need a custom domain.
output senderAddress string = 'DoNotReply@${emailService::managedDomain.properties.mailFromSenderDomain}'
