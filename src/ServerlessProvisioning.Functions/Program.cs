using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using ServerlessProvisioning.Functions;
using ServerlessProvisioning.Hosting;
using ServerlessProvisioning.Primitives;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseWhen<ApiHeadersMiddleware>(HttpProblemMiddleware.IsHttpTrigger);
builder.UseWhen<HttpProblemMiddleware>(HttpProblemMiddleware.IsHttpTrigger);
builder.UseWhen<OperatorAccessMiddleware>(OperatorAccessMiddleware.IsOperatorFunction);
builder.Services.AddProblemDetails();
builder.Services.AddProvisioning(builder.Configuration);
builder.Services.RequireEmailOutsideDevelopment(builder.Environment);
#if DEBUG
// `func start` on a laptop without Email:* keeps mail in the local mailbox table, like the local host. Only Debug
// builds reference the local tools; what azd deploys (Release) has no such fallback.
if (builder.Environment.IsDevelopment())
{
    ServerlessProvisioning.DevTools.LocalMailboxServiceCollectionExtensions.AddLocalMailbox(builder.Services);
}
#endif
builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));

// Traces span webhook → orchestration → activities → email. Application Insights has local auth off, so the
// exporter signs in as the app: its managed identity in Azure (never a credential chain that could pick another).
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    var identity = AzureIdentity.ForHost(builder.Configuration);
    builder.Services.AddOpenTelemetry()
        .UseFunctionsWorkerDefaults()
        .WithTracing(tracing => tracing.AddProcessor(new TokenRedactionProcessor()))
        .UseAzureMonitorExporter(o => o.Credential = identity.CreateCredential());
}

builder.Build().Run();
