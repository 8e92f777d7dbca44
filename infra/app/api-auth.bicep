// App Service Authentication with Microsoft Entra ID, so operators can be people: the platform validates an Entra ID
// sign-in (a browser session from /.auth/login/aad, or a bearer token for api://<client id>) and passes the principal,
// with the app roles of its token, in X-MS-CLIENT-PRINCIPAL* headers, stripping any copy a client sent. The worker lets
// in a principal with the app role Provisioning.Operator (Api/OperatorAccess.cs) and names it in the audit trail; the
// app registration and its role come from infra/scripts/operator-sign-in.sh (Bicep cannot create them without the
// Microsoft Graph extension, a registry module).
//
// Unauthenticated requests are let through (AllowAnonymous): the order webhook (its signature is its authentication),
// the wizard and approval pages and their API (the link token is theirs) must keep working without a sign-in, and App
// Service cannot exempt POST /api/orders (the webhook) while requiring sign-in for GET /api/orders (an operator route)
// because its excluded paths ignore the method. Operator routes are anonymous to the Functions host too (its key check
// would refuse a person before the worker saw them): the worker decides, and machines send the operator key.

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
