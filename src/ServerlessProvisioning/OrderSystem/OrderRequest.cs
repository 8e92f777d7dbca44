using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessProvisioning.Matching;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Provisioning;

namespace ServerlessProvisioning.OrderSystem;

/// <summary>The partner named on an order, when a partner placed it.</summary>
public sealed record PartnerInfo(string? OrganizationId = null, string? Name = null);

/// <summary>One ordered item.</summary>
public sealed record OrderItem(string Sku, int Quantity);

/// <summary>The order webhook's body (SPEC §3).</summary>
public sealed record OrderRequest(
    string OrderId,
    string SubscriptionId,
    string ProvisioningContactEmail,
    ProvisioningScenario Scenario,
    PartnerInfo? Partner = null,
    IReadOnlyList<OrderItem>? Items = null,
    string? Locale = null)
{
    /// <summary>What the workflow needs of it.</summary>
    public ProvisioningOrder ToProvisioningOrder() => new(OrderId, SubscriptionId, ProvisioningContactEmail, Scenario, Locale);

    /// <summary>A stable fingerprint of the order's content, to tell a replay from a conflicting order.</summary>
    public string Fingerprint() =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Json.Serialize(this with { ProvisioningContactEmail = EmailAddress.Normalize(ProvisioningContactEmail) }))));
}

/// <summary>Reads and validates the order webhook's JSON; every problem is keyed by its field.</summary>
public static partial class OrderParser
{
    /// <summary>Parses the raw body; on failure <paramref name="errors"/> says what is wrong with which field.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OrderRequest? order, out Dictionary<string, string[]> errors)
    {
        order = null;
        errors = [];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            errors["body"] = ["The body is not valid JSON."];
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = ["The body must be a JSON object."];
                return false;
            }

            var orderId = RequiredId(root, "orderId", errors);
            var subscriptionId = RequiredId(root, "subscriptionId", errors);
            var contact = JsonFields.Text(root, "provisioningContactEmail", errors, required: true, maxLength: EmailAddress.MaxLength + 20);
            if (contact is not null && !EmailAddress.TryParse(contact, out _, out var emailError))
            {
                errors["provisioningContactEmail"] = [emailError!];
            }

            var scenarioText = JsonFields.Text(root, "scenario", errors, required: true, maxLength: 40);
            ProvisioningScenario scenario = default;
            if (scenarioText is not null && !Json.TryParseEnum(scenarioText, out scenario))
            {
                errors["scenario"] = [$"One of {string.Join(", ", Enum.GetNames<ProvisioningScenario>())}."];
            }

            PartnerInfo? partner = null;
            if (root.TryGetProperty("partner", out var partnerElement) && partnerElement.ValueKind != JsonValueKind.Null)
            {
                if (partnerElement.ValueKind != JsonValueKind.Object)
                {
                    errors["partner"] = ["An object with optional organizationId and name."];
                }
                else
                {
                    partner = new PartnerInfo(
                        JsonFields.Text(partnerElement, "organizationId", errors, required: false, maxLength: Identifiers.MaxLength, field: "partner.organizationId"),
                        JsonFields.Text(partnerElement, "name", errors, required: false, maxLength: CompanyName.MaxLength, field: "partner.name"));
                }
            }

            var items = ReadItems(root, errors);
            var locale = JsonFields.Text(root, "locale", errors, required: false, maxLength: 35);
            if (locale is not null && !LocalePattern().IsMatch(locale))
            {
                errors["locale"] = ["A language tag such as es, en or es-ES."];
            }

            if (errors.Count > 0)
            {
                return false;
            }

            order = new OrderRequest(orderId!, subscriptionId!, contact!.Trim(), scenario, partner, items, locale);
            return true;
        }
    }

    static List<OrderItem>? ReadItems(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty("items", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > 100)
        {
            errors["items"] = ["An array of at most 100 {sku, quantity} objects."];
            return null;
        }

        var items = new List<OrderItem>();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var field = $"items[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors[field] = ["An object {sku, quantity}."];
                continue;
            }

            var sku = JsonFields.Text(item, "sku", errors, required: true, maxLength: Identifiers.MaxLength, field: field + ".sku");
            if (!item.TryGetProperty("quantity", out var quantity) || quantity.ValueKind != JsonValueKind.Number || !quantity.TryGetInt32(out var q) || q is < 1 or > 1_000_000)
            {
                errors[field + ".quantity"] = ["A whole number from 1 to 1000000."];
                continue;
            }

            if (sku is not null)
            {
                items.Add(new OrderItem(sku, q));
            }
        }

        return items;
    }

    static string? RequiredId(JsonElement root, string name, Dictionary<string, string[]> errors)
    {
        var value = JsonFields.Text(root, name, errors, required: true, maxLength: Identifiers.MaxLength);
        if (value is not null && !Identifiers.IsValid(value))
        {
            errors[name] = [Identifiers.Rule];
            return null;
        }

        return value;
    }

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    private static partial Regex LocalePattern();
}
