#!/usr/bin/env bash
# Creates, or brings up to date, the Microsoft Entra ID app registration operators sign in to, for the selected azd
# environment, and records its client id (OPERATOR_SIGN_IN_CLIENT_ID) so that `azd provision` turns on App Service
# Authentication with it (infra/app/api-auth.bicep). Bicep cannot do this part: app registrations need the Microsoft
# Graph Bicep extension, a registry module. Safe to run again: it finds the registration by its client id (or name)
# and keeps the ids of its role and scope, which Microsoft Graph refuses to change while they are enabled.
#
#   infra/scripts/operator-sign-in.sh                       the registration, its app role, the client id in azd
#   infra/scripts/operator-sign-in.sh --assign-user <upn>   also gives a person the operator role
#   infra/scripts/operator-sign-in.sh --assign-app <appId>  also gives an application (a pipeline) the operator role
#
# Needs the Azure CLI signed in (az login) as someone who may create app registrations and assign their roles
# (Application Administrator, or the owner of the registration), and azd with the environment selected.
set -euo pipefail

# The app role the operator routes require: Api/OperatorAccess.cs Role (an infra test keeps the two equal).
ROLE_VALUE='Provisioning.Operator'
# Azure CLI's client id, pre-authorized so that `az account get-access-token --scope api://<client id>/.default` works.
AZURE_CLI_APP_ID='04b07795-8ddb-461a-bbee-02f9e1bf7b46'

assign_users=()
assign_apps=()
while [ $# -gt 0 ]; do
  case "$1" in
    --assign-user) assign_users+=("${2:?--assign-user needs a user principal name or object id}"); shift 2 ;;
    --assign-app) assign_apps+=("${2:?--assign-app needs an application (client) id}"); shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "Unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

env_value() { azd env get-value "$1" 2>/dev/null || true; }
new_uuid() {
  if command -v uuidgen >/dev/null 2>&1; then uuidgen | tr 'A-F' 'a-f'; else cat /proc/sys/kernel/random/uuid; fi
}

env_name=$(env_value AZURE_ENV_NAME)
if [ -z "$env_name" ]; then
  echo "No azd environment is selected: run 'azd env new <name>' or 'azd env select <name>' first." >&2
  exit 1
fi

display_name="Serverless Provisioning operators ($env_name)"
app_uri=$(env_value SERVICE_API_URI)
app_id=$(env_value OPERATOR_SIGN_IN_CLIENT_ID)
if [ -z "$app_id" ]; then
  app_id=$(az ad app list --display-name "$display_name" --query "[0].appId" -o tsv)
fi
if [ -z "$app_id" ]; then
  app_id=$(az ad app create --display-name "$display_name" --sign-in-audience AzureADMyOrg --query appId -o tsv)
  echo "Created the app registration \"$display_name\" ($app_id)."
fi
object_id=$(az ad app show --id "$app_id" --query id -o tsv)

role_id=$(az ad app show --id "$app_id" --query "appRoles[?value=='$ROLE_VALUE'].id | [0]" -o tsv)
[ -n "$role_id" ] || role_id=$(new_uuid)
scope_id=$(az ad app show --id "$app_id" --query "api.oauth2PermissionScopes[?value=='user_impersonation'].id | [0]" -o tsv)
[ -n "$scope_id" ] || scope_id=$(new_uuid)

# App Service Authentication signs browsers in with an ID token posted to /.auth/login/aad/callback (no client secret
# is configured), so ID tokens are issued and the app's callback is a redirect URI; known once `azd up` has run.
web='"implicitGrantSettings": { "enableIdTokenIssuance": true }'
if [ -n "$app_uri" ]; then
  web="\"redirectUris\": [\"${app_uri%/}/.auth/login/aad/callback\"], $web"
else
  echo "SERVICE_API_URI is not set yet: run this again after 'azd up' to register the sign-in callback." >&2
fi

scope="{
      \"id\": \"$scope_id\", \"value\": \"user_impersonation\", \"type\": \"User\", \"isEnabled\": true,
      \"adminConsentDisplayName\": \"Operate Serverless Provisioning\",
      \"adminConsentDescription\": \"Call the operator routes of Serverless Provisioning as the signed-in operator.\",
      \"userConsentDisplayName\": \"Operate Serverless Provisioning\",
      \"userConsentDescription\": \"Call the operator routes of Serverless Provisioning as you.\"
    }"

body=$(mktemp)
trap 'rm -f "$body"' EXIT
cat > "$body" <<JSON
{
  "identifierUris": ["api://$app_id"],
  "appRoles": [
    {
      "id": "$role_id",
      "value": "$ROLE_VALUE",
      "displayName": "Provisioning operator",
      "description": "Uses the operator console and the operator routes: orders, resend, cancel, deadlines and the organization directory.",
      "allowedMemberTypes": ["User", "Application"],
      "isEnabled": true
    }
  ],
  "api": { "requestedAccessTokenVersion": 2, "oauth2PermissionScopes": [$scope] },
  "web": { $web }
}
JSON
graph=$(az cloud show --query endpoints.microsoftGraphResourceId -o tsv)
graph="${graph%/}/v1.0"
az rest --method PATCH --uri "$graph/applications/$object_id" --headers 'Content-Type=application/json' --body "@$body" --output none

# The scope exists now; Azure CLI may ask for it without a consent prompt.
cat > "$body" <<JSON
{
  "api": {
    "requestedAccessTokenVersion": 2,
    "oauth2PermissionScopes": [$scope],
    "preAuthorizedApplications": [{ "appId": "$AZURE_CLI_APP_ID", "delegatedPermissionIds": ["$scope_id"] }]
  }
}
JSON
az rest --method PATCH --uri "$graph/applications/$object_id" --headers 'Content-Type=application/json' --body "@$body" --output none

# The enterprise application: only people and applications assigned to it may sign in at all.
sp_id=$(az ad sp show --id "$app_id" --query id -o tsv 2>/dev/null || true)
[ -n "$sp_id" ] || sp_id=$(az ad sp create --id "$app_id" --query id -o tsv)
az ad sp update --id "$app_id" --set appRoleAssignmentRequired=true --output none

assign() {
  local principal_id=$1 who=$2 existing
  existing=$(az rest --method GET --uri "$graph/servicePrincipals/$sp_id/appRoleAssignedTo" \
    --query "length(value[?principalId=='$principal_id' && appRoleId=='$role_id'])" -o tsv)
  if [ "$existing" != "0" ]; then
    echo "$who already has $ROLE_VALUE."
    return
  fi
  cat > "$body" <<JSON
{ "principalId": "$principal_id", "resourceId": "$sp_id", "appRoleId": "$role_id" }
JSON
  az rest --method POST --uri "$graph/servicePrincipals/$sp_id/appRoleAssignedTo" --headers 'Content-Type=application/json' --body "@$body" --output none
  echo "$who now has $ROLE_VALUE."
}
for user in "${assign_users[@]+"${assign_users[@]}"}"; do
  assign "$(az ad user show --id "$user" --query id -o tsv)" "$user"
done
for app in "${assign_apps[@]+"${assign_apps[@]}"}"; do
  assign "$(az ad sp show --id "$app" --query id -o tsv)" "Application $app"
done

azd env set OPERATOR_SIGN_IN_CLIENT_ID "$app_id"
echo "OPERATOR_SIGN_IN_CLIENT_ID=$app_id. Run 'azd provision' to turn on sign-in (once; again only if it changed)."
