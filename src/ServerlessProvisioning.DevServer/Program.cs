using Azure.Core;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Options;
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
LocalSetup local;
try
{
    local = await LocalSetup.ApplyAsync(builder);
}
catch (InvalidOperationException e)
{
    // Azurite is missing or would not start: what to do about it is in the message.
    await Console.Error.WriteLineAsync($"Cannot start the local host: {e.Message}");
    return 1;
}

// Whatever happens from here on, the Azurite this host started stops with it: a failed start leaves none behind.
await using var stopsAzurite = local;
WebApplication app;
try
{
    app = Build(builder);
    // Every ValidateOnStart check now, rather than inside StartAsync (which logs it with a stack trace), so a
    // configuration error stops the host with the one line below; the seed's importer needs valid options too.
    app.Services.GetService<IStartupValidator>()?.Validate();
}
catch (Exception e) when (ConfigurationFailure.Describe(e) is { } line)
{
    await Console.Error.WriteLineAsync($"Configuration error: {line}");
    return 1;
}

if (local.Seed(app.Configuration) is { } seed)
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
        return 1;
    }
}

try
{
    await app.StartAsync();
}
catch (Exception e) when (ConfigurationFailure.Describe(e) is { } line)
{
    await Console.Error.WriteLineAsync($"Configuration error: {line}");
    return 1;
}

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

// The services and routes: everything that reads configuration, so its errors surface here or in the validation.
static WebApplication Build(WebApplicationBuilder builder)
{
    builder.Services.AddProvisioning(builder.Configuration);
    // The local mailbox is the email sender unless Email:* points at ACS (then it stays, empty, at /dev/mailbox).
    builder.Services.AddLocalMailbox();
    // Mail to a .invalid address bounces: the mailbox reports it to POST /api/events/email-delivery, as ACS would.
    builder.Services.AddLocalDeliveryReports();
    builder.Services.RequireEmailOutsideDevelopment(builder.Environment);
    builder.Services.AddLocalDurableTask(builder.Configuration);
    builder.Services.AddHostedService<RetentionService>();
    builder.Services.AddHostedService<DirectoryBackupService>();
    builder.Services.AddSingleton<EventKeyFilter>();
    builder.Services.AddProblemDetails();
    builder.Services.AddOpenApi(options => options.AddProvisioningDescription());
    builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));

    // Expected 409s (an insert that finds its entity) are answers, not warnings in the terminal.
    builder.Services.AddAzureClients(clients => clients.ConfigureDefaults(options => options.AddPolicy(new ExpectedConflicts(), HttpPipelinePosition.PerCall)));

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
    app.MapProvisioningApi(app.Services.GetRequiredService<EventKeyFilter>());
    app.MapMailbox();
    app.MapStaticPages();
    app.MapOpenApi();
    return app;
}

/// <summary>The local host's entry point, visible to tests.</summary>
public partial class Program;
