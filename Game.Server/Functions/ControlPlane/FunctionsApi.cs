using System.Globalization;
using System.Text.Json;
using Game.Functions.Runtime;
using Game.Server.Auth;

namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// Lambda's function operations on the Invoke endpoint's paths and signature: ListFunctions, GetFunction,
/// GetFunctionConfiguration, UpdateFunctionConfiguration (Timeout, MemorySize, Environment), and
/// Put/Get/DeleteFunctionConcurrency. A change is stored (<see cref="IControlPlaneStore"/>) and applies to the
/// next invocation on every node: Timeout, MemorySize and Environment with a fresh execution environment.
/// </summary>
public static class FunctionsApi
{
    private const string SigningService = "lambda";

    /// <summary>The only fields UpdateFunctionConfiguration takes here; the rest describe code and networks this server does not have.</summary>
    private static readonly HashSet<string> UpdatableFields = ["Timeout", "MemorySize", "Environment", "RevisionId"];

    public static IEndpointRouteBuilder MapFunctionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/2015-03-31/functions", ListAsync).WithIamAction("lambda:ListFunctions");
        app.MapGet("/2015-03-31/functions/{functionName}", GetAsync).WithIamAction("lambda:GetFunction", LambdaResources.Function);
        app.MapGet("/2015-03-31/functions/{functionName}/configuration", GetConfigurationAsync).WithIamAction("lambda:GetFunctionConfiguration", LambdaResources.Function);
        app.MapPut("/2015-03-31/functions/{functionName}/configuration", UpdateConfigurationAsync).DisableAntiforgery().WithIamAction("lambda:UpdateFunctionConfiguration", LambdaResources.Function);
        app.MapPut("/2017-10-31/functions/{functionName}/concurrency", PutConcurrencyAsync).DisableAntiforgery().WithIamAction("lambda:PutFunctionConcurrency", LambdaResources.Function);
        app.MapDelete("/2017-10-31/functions/{functionName}/concurrency", DeleteConcurrencyAsync).WithIamAction("lambda:DeleteFunctionConcurrency", LambdaResources.Function);
        app.MapGet("/2019-09-30/functions/{functionName}/concurrency", GetConcurrencyAsync).WithIamAction("lambda:GetFunctionConcurrency", LambdaResources.Function);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier);
        if (request is null)
        {
            return error!;
        }

        await configurations.RefreshAsync(context.RequestAborted);
        var functions = catalog.All
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => Shape(request.Region, r, configurations.Function(r.Name)))
            .ToList();
        return LambdaRequests.Ok(new { Functions = functions });
    }

    private static async Task<IResult> GetAsync(string functionName, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier) =>
        await WithFunctionAsync(functionName, context, configurations, catalog, verifier, (request, registration, function) =>
            Task.FromResult(LambdaRequests.Ok(new
            {
                Configuration = Shape(request.Region, registration, function),
                // Lambda answers a presigned S3 URL; this server has none to give (docs/functions.md): the type only.
                Code = function?.Code is null ? new { RepositoryType = "Built-in" } : new { RepositoryType = "S3" },
                Concurrency = function?.ReservedConcurrentExecutions is { } reserved ? new { ReservedConcurrentExecutions = reserved } : null,
                Tags = new Dictionary<string, string>(),
            })));

    private static async Task<IResult> GetConfigurationAsync(string functionName, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier) =>
        await WithFunctionAsync(functionName, context, configurations, catalog, verifier, (request, registration, function) =>
            Task.FromResult(LambdaRequests.Ok(Shape(request.Region, registration, function))));

    private static async Task<IResult> UpdateConfigurationAsync(string functionName, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, TimeProvider time, [FromKeyedServices(SigningService)] SigV4Verifier verifier) =>
        await WithFunctionAsync(functionName, context, configurations, catalog, verifier, async (request, registration, _) =>
        {
            if (request.Body is not { ValueKind: JsonValueKind.Object } body)
            {
                return LambdaRequests.InvalidParameter("The request body must be a JSON object.");
            }

            if (body.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !UpdatableFields.Contains(n)) is { } unsupported)
            {
                return LambdaRequests.InvalidParameter($"{unsupported} cannot be changed here: this server updates Timeout, MemorySize and Environment (docs/functions.md).");
            }

            try
            {
                return await UpdateAsync(registration.Name, request, configurations, context.RequestAborted, function =>
                {
                    if (body.TryGetProperty("RevisionId", out var revisionId) && revisionId.GetString() != RevisionId(function))
                    {
                        throw new PreconditionFailedException();
                    }

                    return function with
                    {
                        Timeout = body.TryGetProperty("Timeout", out var timeout) ? timeout.GetInt32() : function.Timeout,
                        MemorySize = body.TryGetProperty("MemorySize", out var memory) ? memory.GetInt32() : function.MemorySize,
                        Environment = body.TryGetProperty("Environment", out var environment)
                            ? environment.TryGetProperty("Variables", out var variables) && variables.ValueKind == JsonValueKind.Object
                                ? variables.EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString() ?? "", StringComparer.Ordinal)
                                : new Dictionary<string, string>()
                            : function.Environment,
                        LastModified = time.GetUtcNow(),
                    };
                }, updated => Shape(request.Region, registration, updated));
            }
            catch (PreconditionFailedException)
            {
                return LambdaRequests.Error(StatusCodes.Status412PreconditionFailed, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                return LambdaRequests.InvalidParameter($"A field has the wrong type: {ex.Message}");
            }
        });

    private static async Task<IResult> PutConcurrencyAsync(string functionName, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier) =>
        await WithFunctionAsync(functionName, context, configurations, catalog, verifier, async (request, registration, _) =>
        {
            if (request.Body is not { ValueKind: JsonValueKind.Object } body
                || !body.TryGetProperty("ReservedConcurrentExecutions", out var value)
                || !value.TryGetInt32(out var reserved))
            {
                return LambdaRequests.InvalidParameter("ReservedConcurrentExecutions is required: a whole number from 0 to 1000.");
            }

            return await UpdateAsync(registration.Name, request, configurations, context.RequestAborted,
                function => function with { ReservedConcurrentExecutions = reserved },
                updated => new { updated.ReservedConcurrentExecutions });
        });

    private static async Task<IResult> DeleteConcurrencyAsync(string functionName, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier) =>
        await WithFunctionAsync(functionName, context, configurations, catalog, verifier, async (request, registration, _) =>
        {
            var result = await UpdateAsync(registration.Name, request, configurations, context.RequestAborted,
                function => function with { ReservedConcurrentExecutions = null },
                _ => new { });
            return result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK } ? Results.StatusCode(StatusCodes.Status204NoContent) : result;
        });

    private static async Task<IResult> GetConcurrencyAsync(string functionName, HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, [FromKeyedServices(SigningService)] SigV4Verifier verifier) =>
        await WithFunctionAsync(functionName, context, configurations, catalog, verifier, (_, _, function) =>
            Task.FromResult(LambdaRequests.Ok(function?.ReservedConcurrentExecutions is { } reserved ? new { ReservedConcurrentExecutions = reserved } : new { })));

    /// <summary>Verifies the request, reads the store, and finds the function, answering Lambda's errors on the way.</summary>
    private static async Task<IResult> WithFunctionAsync(
        string functionName,
        HttpContext context,
        FunctionConfigurations configurations,
        FunctionCatalog catalog,
        SigV4Verifier verifier,
        Func<VerifiedRequest, FunctionRegistration, FunctionConfiguration?, Task<IResult>> operation)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier);
        if (request is null)
        {
            return error!;
        }

        var name = LambdaRequests.FunctionName(functionName);
        if (!catalog.TryGet(name, out var registration))
        {
            return LambdaRequests.FunctionNotFound(request.Region, name);
        }

        await configurations.RefreshAsync(context.RequestAborted);
        return await operation(request, registration, configurations.Function(name));
    }

    /// <summary>Read, change, write conditionally on the revision read; again when another writer got there first.</summary>
    private static async Task<IResult> UpdateAsync(
        string name,
        VerifiedRequest request,
        FunctionConfigurations configurations,
        CancellationToken cancellationToken,
        Func<FunctionConfiguration, FunctionConfiguration> change,
        Func<FunctionConfiguration, object> answer)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = configurations.Function(name) ?? new FunctionConfiguration { FunctionName = name };
            var updated = change(current);
            if (FunctionValidation.Check(updated) is { } invalid)
            {
                return LambdaRequests.InvalidParameter(invalid);
            }

            if (await configurations.PutFunctionAsync(updated, current.Revision, cancellationToken) is { } written)
            {
                return LambdaRequests.Ok(answer(written));
            }
        }

        return LambdaRequests.Error(StatusCodes.Status409Conflict, "ResourceConflictException", $"The function {name} is being changed by another request. Try again.");
    }

    /// <summary>Lambda's FunctionConfiguration, with what this server knows of the function.</summary>
    internal static object Shape(string region, FunctionRegistration registration, FunctionConfiguration? function)
    {
        function ??= new FunctionConfiguration { FunctionName = registration.Name, Timeout = (int)registration.Timeout.TotalSeconds };
        return new
        {
            FunctionName = registration.Name,
            FunctionArn = LambdaRequests.FunctionArn(region, registration.Name),
            Runtime = function.Code?.Runtime ?? FunctionCodeApi.DefaultRuntime,
            Handler = function.Code?.Handler ?? $"{registration.Implementation.Assembly.GetName().Name}::{registration.Implementation.FullName}::FunctionHandler",
            CodeSize = function.Code?.Size ?? 0,
            CodeSha256 = function.Code?.Sha256,
            Description = ControlPlaneSync.IsStreamFed(registration) ? "Fed by its event source mapping on the stream" : "Invoked directly",
            function.Timeout,
            function.MemorySize,
            LastModified = function.LastModified.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture),
            Version = "$LATEST",
            Environment = new { Variables = function.Environment },
            TracingConfig = new { Mode = "PassThrough" },
            RevisionId = RevisionId(function),
            State = "Active",
            LastUpdateStatus = "Successful",
            PackageType = "Zip",
            Architectures = new[] { System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "x86_64" },
            EphemeralStorage = new { Size = 512 },
        };
    }

    /// <summary>Lambda's RevisionId is a UUID; ours is the store's revision in one, so it changes with every write.</summary>
    internal static string RevisionId(FunctionConfiguration function) =>
        new Guid(0, 0, 0, BitConverter.GetBytes(function.Revision)).ToString();

    private sealed class PreconditionFailedException : Exception;
}
