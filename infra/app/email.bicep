// Azure Communication Services email: an Email Communication Service with an Azure-managed domain
// (DoNotReply@<guid>.azurecomm.net), linked to a Communication Service that the app calls with its managed identity.
// Optionally a customer-managed domain of your own for production volumes: created with its sender username, and
// linked (and made the sender) once its DNS records are verified, because Azure refuses to link an unverified domain.

@description('Name of the Email Communication Service.')
param emailServiceName string

@description('Name of the Communication Service (also the first label of its endpoint host name).')
param communicationServiceName string

@description('Where the services keep their data at rest. The domain and the Communication Service must share it to be linked.')
param dataLocation string

@description('Tags put on every resource.')
param tags object

@description('A domain of your own to send from, e.g. mail.example.com. Empty: only the Azure-managed domain.')
param customDomainName string = ''

@description('The sender username on the custom domain: mail goes out from <username>@<custom domain>.')
param customDomainSenderUsername string = 'DoNotReply'

@description('Set once the custom domain\'s DNS records are verified (docs/deploy.md): links the domain and makes it the sender.')
param customDomainVerified bool = false

var hasCustomDomain = !empty(customDomainName)
var sendsFromCustomDomain = hasCustomDomain && customDomainVerified

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

resource customDomain 'Microsoft.Communication/emailServices/domains@2025-05-01' = if (hasCustomDomain) {
  parent: emailService
  name: customDomainName
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'CustomerManaged'
    userEngagementTracking: 'Disabled'
  }

  resource sender 'senderUsernames' = {
    name: customDomainSenderUsername
    properties: {
      username: customDomainSenderUsername
      displayName: 'Serverless Provisioning'
    }
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: concat(
      [
        emailService::managedDomain.id
      ],
      sendsFromCustomDomain ? [customDomain.id] : []
    )
    // No access keys: the app sends with its managed identity (Email:AcsEndpoint), never a connection string.
    disableLocalAuth: true
  }
}

output communicationServiceName string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
// An Azure-managed domain has exactly one sender, DoNotReply; other names need a custom domain.
output senderAddress string = sendsFromCustomDomain
  ? '${customDomainSenderUsername}@${customDomainName}'
  : 'DoNotReply@${emailService::managedDomain.properties.mailFromSenderDomain}'
// The TXT (domain), SPF, DKIM, DKIM2 and DMARC records to add at your DNS provider; empty without a custom domain.
output customDomainDnsRecords object = hasCustomDomain ? customDomain!.properties.verificationRecords : {}
