using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace ServerlessProvisioning.Hosting;

/// <summary>How the app signs in to Azure: which kind of credential, and which managed identity.</summary>
public enum AzureIdentityKind
{
    /// <summary>The app's managed identity: user-assigned when a client id or resource id is given, else system-assigned.</summary>
    ManagedIdentity,

    /// <summary>A developer's own sign-in (Azure CLI, azd, Visual Studio, …) on a machine outside Azure.</summary>
    Developer,
}

/// <summary>
/// The identity an Azure SDK client authenticates with, chosen from configuration the way the Functions host reads an
/// identity-based connection (<c>&lt;connection&gt;__credential</c>, <c>__clientId</c>,
/// <c>__managedIdentityResourceId</c>): in Azure always the managed identity, never a chain that could fall through to
/// something else; on a laptop the developer's sign-in. Explicit so the choice can be tested and logged.
/// </summary>
public sealed record AzureIdentity(AzureIdentityKind Kind, string? ClientId = null, string? ResourceId = null)
{
    /// <summary>Settings App Service and Functions set in Azure (and Core Tools does not): the managed identity endpoint, the instance.</summary>
    public static IReadOnlyList<string> AzureMarkers { get; } = ["IDENTITY_ENDPOINT", "MSI_ENDPOINT", "WEBSITE_INSTANCE_ID"];

    /// <summary>Whether the process runs in Azure App Service / Functions, where a managed identity is at hand.</summary>
    public static bool RunsInAzure(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AzureMarkers.Any(key => !string.IsNullOrWhiteSpace(configuration[key]));
    }

    /// <summary>The identity of the app itself (telemetry, and any client without a connection of its own).</summary>
    public static AzureIdentity ForHost(IConfiguration configuration) =>
        RunsInAzure(configuration) ? new AzureIdentity(AzureIdentityKind.ManagedIdentity) : new AzureIdentity(AzureIdentityKind.Developer);

    /// <summary>
    /// The identity for an identity-based connection section such as <c>AzureWebJobsStorage</c>:
    /// <c>credential = managedidentity</c> asks for the managed identity wherever the app runs; a <c>clientId</c> (or
    /// <c>managedIdentityResourceId</c>) names a user-assigned one. Without <c>credential</c>, the managed identity in
    /// Azure and the developer's sign-in elsewhere.
    /// </summary>
    public static AzureIdentity ForConnection(IConfigurationSection connection, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var clientId = NullIfBlank(connection["clientId"]);
        var resourceId = NullIfBlank(connection["managedIdentityResourceId"]);
        var credential = NullIfBlank(connection["credential"]);
        if (credential is not null && !string.Equals(credential, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{connection.Path}:credential is '{credential}'; the only value supported is 'managedidentity' (or leave it out).");
        }

        if (clientId is not null && resourceId is not null)
        {
            throw new InvalidOperationException($"Set only one of {connection.Path}:clientId and {connection.Path}:managedIdentityResourceId.");
        }

        return credential is not null || RunsInAzure(configuration)
            ? new AzureIdentity(AzureIdentityKind.ManagedIdentity, clientId, resourceId)
            : new AzureIdentity(AzureIdentityKind.Developer);
    }

    /// <summary>The Azure.Identity credential for this identity.</summary>
    public TokenCredential CreateCredential() => Kind switch
    {
        AzureIdentityKind.ManagedIdentity when ClientId is not null => new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(ClientId)),
        AzureIdentityKind.ManagedIdentity when ResourceId is not null => new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedResourceId(new ResourceIdentifier(ResourceId))),
        AzureIdentityKind.ManagedIdentity => new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned),
        // DefaultAzureCredential's developer tools only: off Azure there is no managed identity to probe, and probing
        // one costs a timeout on every cold start.
        _ => new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ExcludeManagedIdentityCredential = true,
            ExcludeWorkloadIdentityCredential = true,
        }),
    };

    static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
