// Who is woken, and for what: log alerts on the Log Analytics workspace that Application Insights and the diagnostic
// settings write to. Every query here reads what the code logs: the app's own events by name (Properties.EventName,
// src/ServerlessProvisioning/Primitives/LogEvents.cs), the Durable Task storage engine's PoisonMessageDetected, and the
// platform's request telemetry (AppRequests). docs/operations.md says what each alert means and what to do;
// tests/ServerlessProvisioning.Infra.Tests/AlertTests.cs checks the names against the code.

@description('Prefix of the alert rule names, e.g. ar-<token>.')
param namePrefix string

@description('Name of the action group (created only with an alertEmail).')
param actionGroupName string

@description('Azure region of the alert rules (the workspace\'s).')
param location string

@description('Tags put on every resource.')
param tags object

@description('Resource id of the Log Analytics workspace the alerts query.')
param workspaceId string

@description('Where alerts are emailed. Empty: no action group; the alerts still fire and show under Monitor > Alerts, but nobody is told.')
param alertEmail string = ''

@description('Webhook 401s in 15 minutes that count as a spike (a wrong secret or clock at the order system, or someone probing).')
@minValue(1)
param webhookRejectionThreshold int = 10

@description('Share of HTTP requests answered 5xx in 15 minutes that alerts (with at least 5 of them).')
@minValue(1)
@maxValue(100)
param serverErrorPercent int = 5

var notify = !empty(alertEmail)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (notify) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'provisioning'
    enabled: true
    emailReceivers: [
      {
        name: 'on-call'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// One entry per alert: the query returns a row for each thing wrong, and the alert fires when it returns any.
var alerts = [
  {
    name: 'order-failed'
    displayName: 'Provisioning: an order ended Failed'
    description: 'A workflow step failed beyond its retries and the order ended Failed; the contact was told. docs/operations.md#an-order-ended-failed'
    severity: 1
    frequency: 'PT15M'
    window: 'PT30M'
    query: '''
AppTraces
| where tostring(Properties.EventName) == "OrderFinished" and tostring(Properties.Stage) == "Failed"
| summarize Orders = dcount(tostring(Properties.OrderId)), OrderIds = make_set(tostring(Properties.OrderId), 20), Steps = make_set(tostring(Properties.Activity), 10)
| where Orders > 0
'''
  }
  {
    name: 'poison-message'
    displayName: 'Provisioning: the durable engine set a message aside as poison'
    description: 'A task hub message was dequeued too often and set aside (DurableTask.AzureStorage PoisonMessageDetected): an order may be stuck. docs/operations.md#a-poison-message'
    severity: 1
    frequency: 'PT15M'
    window: 'PT30M'
    query: '''
union isfuzzy=true
    (AppTraces | where tostring(Properties.EventName) == "PoisonMessageDetected" | project TimeGenerated, InstanceId = tostring(Properties.InstanceId), Message),
    (FunctionAppLogs | where EventName == "PoisonMessageDetected" | project TimeGenerated, InstanceId = "", Message)
| summarize Messages = count(), Instances = make_set(InstanceId, 20), Sample = take_any(Message)
| where Messages > 0
'''
  }
  {
    name: 'server-errors'
    displayName: 'Provisioning: many requests answered 5xx'
    description: 'At least 5 requests and ${serverErrorPercent}% of all in 15 minutes answered 5xx. docs/operations.md#many-5xx-answers'
    severity: 2
    frequency: 'PT15M'
    window: 'PT15M'
    query: '''
AppRequests
| summarize Requests = count(), ServerErrors = countif(toint(ResultCode) >= 500), Routes = make_set_if(Name, toint(ResultCode) >= 500, 10)
| extend Percent = iff(Requests == 0, 0.0, 100.0 * ServerErrors / Requests)
| where ServerErrors >= 5 and Percent >= __PERCENT__
'''
  }
  {
    name: 'webhook-rejections'
    displayName: 'Provisioning: a spike of webhook 401s'
    description: 'At least ${webhookRejectionThreshold} order webhook calls in 15 minutes failed the signature check; orders are not coming in. docs/operations.md#a-spike-of-webhook-401s'
    severity: 2
    frequency: 'PT15M'
    window: 'PT15M'
    query: '''
AppTraces
| where tostring(Properties.EventName) == "WebhookSignatureRejected"
| summarize Rejected = count(), Checks = make_set(tostring(Properties.Check))
| where Rejected >= __THRESHOLD__
'''
  }
  {
    name: 'retention-purge-missing'
    displayName: 'Provisioning: the retention purge has not run for 2 hours'
    description: 'The hourly purge of finished orders logged no completed run in 2 hours. docs/operations.md#the-retention-purge-has-not-run'
    severity: 2
    frequency: 'PT30M'
    window: 'PT2H'
    query: '''
AppTraces
| where tostring(Properties.EventName) == "RetentionPurgeCompleted"
| summarize Runs = count()
| where Runs == 0
'''
  }
  {
    name: 'email-trouble'
    displayName: 'Provisioning: email throttled or failing for over an hour'
    description: 'An email has been held by throttling for over an hour, or sends have failed for over an hour with none accepted since. docs/operations.md#email-throttled-or-failing-for-over-an-hour'
    severity: 2
    frequency: 'PT15M'
    window: 'PT3H'
    query: '''
let lastAccepted = toscalar(AppTraces | where tostring(Properties.EventName) == "EmailAccepted" | summarize max(TimeGenerated));
let throttled = AppTraces
    | where tostring(Properties.EventName) == "EmailThrottled" and totimespan(Properties.Held) > 1h
    | summarize Since = min(TimeGenerated), Orders = make_set(tostring(Properties.OrderId), 20)
    | where isnotnull(Since)
    | extend Problem = "throttled for over an hour";
let failing = AppTraces
    | where tostring(Properties.EventName) == "EmailSendFailed" and (isnull(lastAccepted) or TimeGenerated > lastAccepted)
    | summarize Since = min(TimeGenerated), Last = max(TimeGenerated), Orders = make_set(tostring(Properties.OrderId), 20), Statuses = make_set(tostring(Properties.HttpStatus))
    | where Last - Since >= 1h
    | extend Problem = "failing for over an hour, none accepted since";
union throttled, failing
'''
  }
]

resource rules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for alert in alerts: {
    name: '${namePrefix}${alert.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: alert.displayName
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        workspaceId
      ]
      evaluationFrequency: alert.frequency
      windowSize: alert.window
      criteria: {
        allOf: [
          {
            query: replace(
              replace(alert.query, '__PERCENT__', string(serverErrorPercent)),
              '__THRESHOLD__',
              string(webhookRejectionThreshold)
            )
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      // Resolved (and the resolution mailed) once the query comes back empty: one mail per incident, not per run.
      autoMitigate: true
      // A new workspace has no rows yet in some of these tables; the rule must still deploy.
      skipQueryValidation: true
      actions: {
        actionGroups: notify ? [actionGroup.id] : []
      }
    }
  }
]

output ruleNames string[] = [for (alert, i) in alerts: rules[i].name]
output actionGroupId string = notify ? actionGroup.id : ''
