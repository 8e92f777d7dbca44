// The operations workbook (portal: Monitor > Workbooks, or the resource group): orders ended per stage, orders not
// ended, time from order to ending, failures and email outcomes, from the same events the alerts read
// (src/ServerlessProvisioning/Primitives/LogEvents.cs) and the ACS delivery log. Counts are of distinct orders: an ending
// logged twice still counts once. The app logs an order's arrival and its ending, not the stages between, so where an
// open order waits is the console's to say (GET /api/order-counts), not the workbook's.

@description('Azure region of the workbook.')
param location string

@description('Tags put on every resource.')
param tags object

@description('Resource id of the Log Analytics workspace the workbook reads.')
param workspaceId string

@description('Name shown in the portal.')
param displayName string

// A query tile over the workspace, on the workbook's time range.
func tile(name string, title string, query string, visualization string) object => {
  type: 3
  name: name
  content: {
    version: 'KqlItem/1.0'
    title: title
    query: query
    size: 0
    queryType: 0
    resourceType: 'microsoft.operationalinsights/workspaces'
    timeContextFromParameter: 'TimeRange'
    visualization: visualization
  }
}

var ordersPerStage = '''
AppTraces
| where tostring(Properties.EventName) == "OrderFinished"
| summarize Orders = dcount(tostring(Properties.OrderId)) by Stage = tostring(Properties.Stage), Outcome = tostring(Properties.Outcome)
| order by Orders desc
'''

// Received in the range with no ending logged since. An order reopened after an ending has one, so it is not counted.
var ordersNotEnded = '''
let ended = AppTraces
    | where tostring(Properties.EventName) == "OrderFinished"
    | distinct OrderId = tostring(Properties.OrderId);
AppTraces
| where tostring(Properties.EventName) == "OrderReceived" and tostring(Properties.Registration) == "Created"
| summarize ReceivedAt = min(TimeGenerated) by OrderId = tostring(Properties.OrderId)
| join kind=leftanti ended on OrderId
| summarize Orders = count(), OldestReceived = min(ReceivedAt), NewestReceived = max(ReceivedAt)
'''

var endingsOverTime = '''
AppTraces
| where tostring(Properties.EventName) in ("OrderReceived", "OrderFinished")
| where tostring(Properties.EventName) == "OrderFinished" or tostring(Properties.Registration) == "Created"
| extend Series = iff(tostring(Properties.EventName) == "OrderReceived", "Received", strcat("Ended ", tostring(Properties.Stage)))
| summarize Orders = dcount(tostring(Properties.OrderId)) by bin(TimeGenerated, 1d), Series
'''

var timeToEnding = '''
let received = AppTraces
    | where tostring(Properties.EventName) == "OrderReceived" and tostring(Properties.Registration) == "Created"
    | summarize ReceivedAt = min(TimeGenerated) by OrderId = tostring(Properties.OrderId);
AppTraces
| where tostring(Properties.EventName) == "OrderFinished"
| summarize EndedAt = min(TimeGenerated) by OrderId = tostring(Properties.OrderId), Stage = tostring(Properties.Stage)
| join kind=inner received on OrderId
| extend Hours = (EndedAt - ReceivedAt) / 1h
| summarize Orders = count(), MedianHours = round(percentile(Hours, 50), 1), P90Hours = round(percentile(Hours, 90), 1), MaxHours = round(max(Hours), 1) by Stage
'''

var failures = '''
union isfuzzy=true
    (AppTraces
        | where tostring(Properties.EventName) == "OrderFinished" and tostring(Properties.Stage) == "Failed"
        | project TimeGenerated, What = "Order ended Failed", Detail = strcat(tostring(Properties.OrderId), " at ", tostring(Properties.Activity))),
    (AppTraces
        | where tostring(Properties.EventName) == "PoisonMessageDetected"
        | project TimeGenerated, What = "Poison message", Detail = tostring(Properties.InstanceId)),
    (AppTraces
        | where tostring(Properties.EventName) == "WebhookSignatureRejected"
        | project TimeGenerated, What = "Webhook 401", Detail = tostring(Properties.Check)),
    (AppRequests
        | where toint(ResultCode) >= 500
        | project TimeGenerated, What = strcat("HTTP ", ResultCode), Detail = Name)
| summarize Count = count(), Last = max(TimeGenerated), Examples = make_set(Detail, 5) by What
| order by Last desc
'''

var emailFromApp = '''
AppTraces
| where tostring(Properties.EventName) in ("EmailAccepted", "EmailSendFailed", "EmailThrottled")
| extend Result = case(
    tostring(Properties.EventName) == "EmailAccepted", "Accepted by ACS",
    tostring(Properties.EventName) == "EmailThrottled", "Throttled (waiting)",
    isnotempty(tostring(Properties.HttpStatus)), strcat("Failed: HTTP ", tostring(Properties.HttpStatus)),
    strcat("Failed: ", tostring(Properties.ExceptionType)))
| summarize Emails = count() by bin(TimeGenerated, 1d), Result
'''

var emailDelivery = '''
ACSEmailStatusUpdateOperational
| where isnotempty(DeliveryStatus)
| summarize Emails = count() by DeliveryStatus
| order by Emails desc
'''

var content = {
  version: 'Notebook/1.0'
  items: [
    {
      type: 1
      name: 'intro'
      content: {
        json: '## Serverless Provisioning\nOrders, their endings and email, from the app\'s log events and the ACS delivery log. What each alert means and what to do: docs/operations.md.'
      }
    }
    {
      type: 9
      name: 'parameters'
      content: {
        version: 'KqlParameterItem/1.0'
        parameters: [
          {
            id: '6a0e4c1b-2f7d-4e3a-9b8c-1d5e7f9a0b21'
            version: 'KqlParameterItem/1.0'
            name: 'TimeRange'
            type: 4
            isRequired: true
            value: {
              durationMs: 2592000000
            }
            typeSettings: {
              selectableValues: [
                { durationMs: 86400000 }
                { durationMs: 604800000 }
                { durationMs: 2592000000 }
                { durationMs: 7776000000 }
              ]
            }
          }
        ]
      }
    }
    tile('orders-per-stage', 'Orders that ended, per final stage and outcome (open orders per stage: the console)', ordersPerStage, 'table')
    tile('orders-not-ended', 'Orders received in the time range and not ended since (a reopened order counts as ended)', ordersNotEnded, 'table')
    tile('orders-over-time', 'Orders received and ended per day', endingsOverTime, 'timechart')
    tile('time-to-ending', 'Time from order to ending (hours), per final stage', timeToEnding, 'table')
    tile('failures', 'Failures: orders ended Failed, poison messages, webhook 401s, 5xx answers', failures, 'table')
    tile('email-app', 'Email as the app saw it, per day', emailFromApp, 'barchart')
    tile('email-delivery', 'Email deliveries as ACS reports them', emailDelivery, 'piechart')
  ]
  fallbackResourceIds: [
    workspaceId
  ]
  '$schema': 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json'
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // Workbook names are GUIDs; this one is stable per workspace, so a redeployment updates it in place.
  name: guid(workspaceId, 'serverless-provisioning-operations')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: workspaceId
    serializedData: string(content)
  }
}

output name string = workbook.name
