using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ServerlessProvisioning.Http;

namespace ServerlessProvisioning.DevServer.Endpoints;

/// <summary>
/// What the OpenAPI document says beyond what ASP.NET Core derives from the handlers' signatures, all of it read from
/// each route's <see cref="ApiRoute"/> (its endpoint metadata): the query parameters and headers the handler reads
/// itself, the headers it sets, and the security scheme it takes. docs/openapi.json is this document, checked in.
/// </summary>
public static class OpenApiDescription
{
    /// <summary>Describes the API: its title, its security schemes, and each route's parameters, headers and proof.</summary>
    public static OpenApiOptions AddProvisioningDescription(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Serverless Provisioning API";
            document.Info.Description = "Order webhook, provisioning wizard, approvals and operator routes (SPEC §3).";
            document.Info.Version = "v1";
            // Relative to wherever it is served, so the checked-in copy (docs/openapi.json) does not depend on a port.
            document.Servers = [];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [ApiSecurity.OperatorKey] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiSecurity.OperatorKeyHeader,
                    Description = "The operator key, a machine credential: Provisioning:OperatorKey (in Azure the Key Vault secret OperatorKey). 401 without a valid one or a sign-in.",
                },
                [ApiSecurity.OperatorSignIn] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "In Azure with App Service Authentication on: a Microsoft Entra ID access token for api://<client id> (or the browser's sign-in session, /.auth/login/aad) of a person or application with the app role Provisioning.Operator. 403 when signed in without it.",
                },
                [ApiSecurity.EventKey] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Query,
                    Name = ApiSecurity.EventKeyQuery,
                    Description = "A key in the URL, as an Event Grid webhook subscription carries it: in Azure a Functions key (the deploy hook creates one named eventgrid; the platform also takes x-functions-key), on the local host Provisioning:OperatorKey. 401 without a valid one.",
                },
                [ApiSecurity.LinkToken] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The token of a wizard or approval link (43 base64url characters, from the link's #t=), single-purpose: a wizard token opens only wizard routes, an approval token only approval routes. 404 unknown, 410 no longer valid. The routes with {token} in their path take it there instead.",
                },
            };
            return Task.CompletedTask;
        });

        options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiRoute>().FirstOrDefault() is not { } route)
            {
                return;
            }

            foreach (var path in operation.Parameters?.OfType<OpenApiParameter>().Where(p => p is { In: ParameterLocation.Path, Name: "token" }) ?? [])
            {
                path.Description = "The link's token, in the path: kept for compatibility. Prefer the route without it and Authorization: Bearer, which keeps the token out of URL logs.";
            }

            foreach (var parameter in route.Parameters)
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = parameter.Name,
                    In = parameter.In == ApiParameterLocation.Query ? ParameterLocation.Query : ParameterLocation.Header,
                    Description = parameter.Description,
                    Required = parameter.Required,
                    Schema = await SchemaAsync(parameter.Type, context, cancellationToken),
                });
            }

            foreach (var header in route.ResponseHeaders)
            {
                foreach (var status in header.Statuses)
                {
                    if (operation.Responses?.TryGetValue(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response) is true && response is OpenApiResponse answer)
                    {
                        answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
                        answer.Headers[header.Name] = new OpenApiHeader { Description = header.Description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                    }
                }
            }

            if (route.SecurityScheme is { } scheme)
            {
                // Requirements are alternatives: an operator route takes the key or a sign-in.
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] }];
                if (scheme == ApiSecurity.OperatorKey)
                {
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiSecurity.OperatorSignIn, context.Document)] = [] });
                }
            }
        });
        return options;
    }

    static async Task<IOpenApiSchema> SchemaAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken) =>
        type == typeof(string) ? new OpenApiSchema { Type = JsonSchemaType.String }
        : type == typeof(int) ? new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" }
        : type == typeof(bool) ? new OpenApiSchema { Type = JsonSchemaType.Boolean }
        : type == typeof(DateTimeOffset) ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" }
        : type.IsEnum ? await EnumAsync(type, context, cancellationToken)
        : throw new NotSupportedException($"A query parameter or header of type {type.Name}: describe it in {nameof(OpenApiDescription)}.");

    // An enum is a component, the one the bodies use, so that generated clients have one type for it.
    static async Task<IOpenApiSchema> EnumAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        var document = context.Document ?? throw new InvalidOperationException("The operation has no document.");
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(type.Name, schema);
        return new OpenApiSchemaReference(type.Name, document);
    }
}
