using ServerlessProvisioning.DevServer.Durable;
using ServerlessProvisioning.DevServer.Endpoints;
using ServerlessProvisioning.DevServer.Local;
using ServerlessProvisioning.DevTools;
using ServerlessProvisioning.Hosting;
using ServerlessProvisioning.Http;
using ServerlessProvisioning.Organizations;
using ServerlessProvisioning.Primitives;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.Web;

// Settings (appsettings.json) come from the app's own folder, wherever it is started from.
// A local host: Development unless told otherwise (then, like any host, it needs ACS to send mail).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
    EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environments.Development,
});

// Request logs would carry link tokens (they travel in API paths, SPEC §3): never log them, whatever the settings say.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.None);
var local = await LocalSetup.ApplyAsync(builder);

builder.Services.AddProvisioning(builder.Configuration);
// The local mailbox is the email sender unless Email:* points at ACS (then it stays, empty, at /dev/mailbox).
builder.Services.AddLocalMailbox();
builder.Services.RequireEmailOutsideDevelopment(builder.Environment);
builder.Services.AddLocalDurableTask(builder.Configuration);
builder.Services.AddHostedService<RetentionService>();
builder.Services.AddSingleton<OperatorKeyFilter>();
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi(options => options.AddProvisioningDescription());
builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));

var app = builder.Build();
app.Use((context, next) =>
{
    if (ApiHeaders.IsApi(context.Request.Path))
    {
        ApiHeaders.Apply(context.Response);
    }

    return next(context);
});
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapProvisioningApi(app.Services.GetRequiredService<OperatorKeyFilter>());
app.MapMailbox();
app.MapStaticPages();
app.MapOpenApi();
app.Lifetime.ApplicationStopped.Register(() => local.Azurite?.DisposeAsync().AsTask().GetAwaiter().GetResult());

if (app.Configuration["seed"] is { Length: > 0 } seed)
{
    try
    {
        await app.Services.GetRequiredService<TableInitializer>().StartAsync(CancellationToken.None);
        // The seed goes through the directory's own importer: the same checks and writes as POST /api/organizations/import.
        var result = await app.Services.GetRequiredService<OrganizationImporter>().ImportAsync(await SeedFile.ReadAsync(seed, CancellationToken.None), CancellationToken.None);
        if (result.FailedCount > 0)
        {
            throw new SeedFileException(result.Failed.SelectMany(f => f.Errors.SelectMany(e => e.Value.Select(m => $"$.organizations[{f.Line - 1}].{e.Key}: {m}"))).ToList());
        }

        Console.WriteLine($"Loaded {result.Created + result.Updated + result.Unchanged} organizations from {seed} ({result.Created} new, {result.Updated} updated, {result.Unchanged} unchanged)");
    }
    catch (Exception e) when (e is SeedFileException or IOException or UnauthorizedAccessException)
    {
        await Console.Error.WriteLineAsync($"Cannot load --seed {seed}: {e.Message}");
        await (local.Azurite?.DisposeAsync() ?? ValueTask.CompletedTask);
        return 1;
    }
}

await app.StartAsync();
Console.WriteLine($"""

    Serverless Provisioning is running at {local.Url}
      Order webhook      POST {local.Url}/api/orders   (header X-Provisioning-Signature)
      Local mailbox      {local.Url}/dev/mailbox
      Operator console   {local.Url}/console/   (sign in with the operator key)
      OpenAPI            {local.Url}/openapi/v1.json
      Storage            {(local.Azurite is null ? "AzureWebJobsStorage" : "Azurite (in memory, started by this host)")}
    """);
if (local.GeneratedWebhookSecret is not null)
{
    Console.WriteLine($"  Webhook secret     {local.GeneratedWebhookSecret}   (development only; set Provisioning__OrderWebhookSecret to choose one)");
}

if (local.GeneratedOperatorKey is not null)
{
    Console.WriteLine($"  Operator key       {local.GeneratedOperatorKey}   (x-functions-key; set Provisioning__OperatorKey to choose one)");
}

await app.WaitForShutdownAsync();
return 0;

/// <summary>The local host's entry point, visible to tests.</summary>
public partial class Program;
