// Email delivery reports (bounces) reach the app through Event Grid: a system topic on the Communication Service,
// and a webhook subscription for Microsoft.Communication.EmailDeliveryReportReceived to POST /api/events/email-delivery.
//
// The subscription cannot be made at provision time: Event Grid validates a webhook when the subscription is
// created, and the endpoint answers the handshake only once the code is deployed, with a function key that the
// Functions host creates only then. So `azd provision` creates the topic (deliveryWebhookUrl empty), and the
// postdeploy hook (infra/hooks/email-events.sh, azure.yaml) deploys this file again with the URL and its key.

@description('Name of the Event Grid system topic.')
param systemTopicName string

@description('Name of the Communication Service whose email events the topic carries.')
param communicationServiceName string

@description('Tags put on every resource.')
param tags object = {}

@description('The webhook, with its function key as ?code=. Empty: the topic only (provision time).')
@secure()
param deliveryWebhookUrl string = ''

@description('The subscription\'s name.')
param subscriptionName string = 'email-delivery-reports'

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' existing = {
  name: communicationServiceName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  // A Communication Service is a global resource, and so is its system topic.
  location: 'global'
  tags: tags
  properties: {
    source: communicationService.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource deliveryReports 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (!empty(deliveryWebhookUrl)) {
  parent: systemTopic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: deliveryWebhookUrl
        // The endpoint takes bodies up to 64 KiB; a report is under 1 KB.
        maxEventsPerBatch: 10
        preferredBatchSizeInKilobytes: 32
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.EmailDeliveryReportReceived'
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    // A bounce matters for days (the invitation waits 30); a restart or a deploy must not lose one.
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output systemTopicName string = systemTopic.name
