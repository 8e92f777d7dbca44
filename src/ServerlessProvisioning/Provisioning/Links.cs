namespace ServerlessProvisioning.Provisioning;

/// <summary>The links emails carry. The token travels in the fragment, which browsers never send to servers or in Referer headers.</summary>
public static class Links
{
    /// <summary>The wizard page for a token.</summary>
    public static string Wizard(string publicBaseUrl, string token) => $"{Trim(publicBaseUrl)}/wizard/#t={token}";

    /// <summary>The approval page for a token.</summary>
    public static string Approval(string publicBaseUrl, string token) => $"{Trim(publicBaseUrl)}/approval/#t={token}";

    static string Trim(string url) => url.TrimEnd('/');
}
