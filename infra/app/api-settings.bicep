// The function app's app settings, applied as one set after its identity holds its roles, so the first start
// already reaches storage, Key Vault, Application Insights and email. A PUT of 'appsettings' replaces the whole
// set: any setting added by hand in the portal disappears on the next `azd provision`.

@description('Name of the function app.')
param functionAppName string

@description('Every app setting by name; main.bicep composes them from SPEC §5 and the platform settings.')
param appSettings { *: string }

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource settings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: appSettings
}
