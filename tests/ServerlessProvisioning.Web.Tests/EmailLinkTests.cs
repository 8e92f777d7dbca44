using System.Net;

namespace ServerlessProvisioning.Web.Tests;

/// <summary>The addresses the emails link to serve the pages themselves.</summary>
public sealed class EmailLinkTests(WebFixture web)
{
    [Theory]
    [InlineData("/wizard/")]
    [InlineData("/approval/")]
    public async Task Page_folder_in_email_links_serves_its_page(string path)
    {
        using var response = await web.Server.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }
}
