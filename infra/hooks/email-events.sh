#!/bin/sh
# azd postdeploy hook: subscribes the deployed app to ACS email delivery reports (docs/email.md).
#
# Event Grid checks a webhook when the subscription is made (the validation handshake), so this runs after the code is
# deployed: it makes sure the function has a key named eventgrid, then deploys infra/app/email-events.bicep with the
# webhook URL carrying that key as ?code=. Idempotent: running it again changes nothing; `azd deploy` runs it each time.
# The key is never printed: it goes to ARM in a secure parameter, through a file only this user can read.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd (azd deploy), or export the azd environment first}"
: "${AZURE_FUNCTION_APP_NAME:?}" "${SERVICE_API_URI:?}" "${EMAIL_EVENTS_SYSTEM_TOPIC_NAME:?}" "${EMAIL_COMMUNICATION_SERVICE_NAME:?}"

function_name=ReceiveEmailDeliveryEvents
key_name=eventgrid
route=api/events/email-delivery
here=$(dirname "$0")

key=$(az functionapp function keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
  --function-name "$function_name" --query "$key_name" --output tsv 2>/dev/null || true)
if [ -z "$key" ]; then
  # Hex only, so it needs no escaping in a URL.
  key=$(openssl rand -hex 32)
  az functionapp function keys set --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --function-name "$function_name" --key-name "$key_name" --key-value "$key" --output none
fi

umask 077
parameters=$(mktemp)
trap 'rm -f "$parameters"' EXIT
cat > "$parameters" <<JSON
{
  "\$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "systemTopicName": { "value": "$EMAIL_EVENTS_SYSTEM_TOPIC_NAME" },
    "communicationServiceName": { "value": "$EMAIL_COMMUNICATION_SERVICE_NAME" },
    "deliveryWebhookUrl": { "value": "$SERVICE_API_URI/$route?code=$key" }
  }
}
JSON

echo "Subscribing $AZURE_FUNCTION_APP_NAME to email delivery reports ($EMAIL_EVENTS_SYSTEM_TOPIC_NAME)"
az deployment group create --resource-group "$AZURE_RESOURCE_GROUP" --name email-delivery-subscription \
  --template-file "$here/../app/email-events.bicep" --parameters "@$parameters" --output none
