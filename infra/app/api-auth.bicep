// App Service Authentication with Microsoft Entra ID, so operators can be people: the platform validates an Entra ID
// sign-in (a bearer token, or a browser session) and passes the principal to the app in X-MS-CLIENT-PRINCIPAL-*
// headers, stripping any copy a client sent. The app names that principal in the audit trail.
//
// Unauthenticated requests are let through (AllowAnonymous): the order webhook (its signature is its authentication),
// the wizard and approval pages and their API (the link token is theirs) must keep working without a sign-in, and App
// Service cannot exempt POST /api/orders (the webhook) while requiring sign-in for GET /api/orders (an operator route)
// because its excluded paths ignore the method. Operator routes stay AuthorizationLevel.Function: the Functions key
// remains the gate for people and machines alike (the Functions host does not accept an Entra principal instead of a
// key), and a signed-in person is named in the audit by who they are instead of by their key's fingerprint.

@description('Name of the function app.')
param functionAppName string

@description('Application (client) id of the Microsoft Entra ID app registration operators sign in to.')
param clientId string

@description('Tenant of that app registration.')
param tenantId string

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: clientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: {
          // Tokens for this app only: requested for api://<client id> (az account get-access-token --scope) or the id.
          allowedAudiences: [
            'api://${clientId}'
            clientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        // The app reads the principal headers only; it never needs the user's tokens.
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
    }
  }
}
