using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Game.Functions.Runtime;
using Game.Functions.Runtime.Code;
using Game.Server.Auth;
using Game.Server.Ingest;
using Microsoft.Extensions.Options;

namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// Lambda's CreateFunction and UpdateFunctionCode on the Invoke endpoint's paths and signature, with the zip inline
/// (<c>Code.ZipFile</c> / <c>ZipFile</c>, base64 in JSON, as the SDKs and <c>--zip-file fileb://function.zip</c> send
/// it). The zip is opened and its class loaded before anything is written, so a package that cannot run is refused
/// (Lambda's <c>InvalidParameterValueException</c>) and the code deployed before keeps running. Then its chunks and
/// the function's configuration go to the store, and every node's next invocation runs the new code in a fresh
/// environment (<see cref="FunctionEnvironment"/>).
/// </summary>
/// <remarks>
/// The code runs in the server's process, as trusted as the server itself: only keys allowed these actions may call
/// them (docs/security.md).
/// </remarks>
public static partial class FunctionCodeApi
{
    /// <summary>The runtime a function reports when nobody named one: the server's own.</summary>
    public const string DefaultRuntime = "dotnet10";

    /// <summary>Lambda's request limits for the two operations (a 50 MB zip in base64, with room for the rest of the JSON).</summary>
    public const int MaxCreateFunctionBytes = 69_905_067;

    public const int MaxUpdateFunctionCodeBytes = 70_167_211;

    private const string SigningService = "lambda";

    public static IEndpointRouteBuilder MapFunctionCodeApi(this IEndpointRouteBuilder app)
    {
        // Deploying is shipping code into the server's process: only keys given these actions may (docs/security.md).
        app.MapPost("/2015-03-31/functions", CreateAsync).DisableAntiforgery().WithIamAction("lambda:CreateFunction");
        app.MapPut("/2015-03-31/functions/{functionName}/code", UpdateCodeAsync).DisableAntiforgery()
            .WithIamAction("lambda:UpdateFunctionCode", LambdaResources.Function);
        return app;
    }

    /// <summary>
    /// Deploying runs code inside this process. The development key pair's secret is published (README, appsettings):
    /// a server a hall's phones can reach, started with it, would let anyone on the Wi-Fi run code on the presenter's
    /// machine. So that key deploys only from this machine; from anywhere else, a key pair of the organiser's own.
    /// </summary>
    private static IResult? PublishedKeyFromNetwork(HttpContext context, VerifiedRequest request, IngestOptions ingest, string operation)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null || IPAddress.IsLoopback(remote) || request.AccessKeyId != ingest.AccessKeyId || ingest.SecretAccessKey != DevelopmentKeys.SecretAccessKey)
        {
            return null;
        }

        return LambdaRequests.Error(StatusCodes.Status403Forbidden, AccessKeys.DeniedErrorType,
            $"{operation} with the published development key pair ({ingest.AccessKeyId}) is allowed only from this machine: it runs code inside the server. " +
            "Set Ingest:SecretAccessKey to a secret of your own, or deploy with a key pair of your own that may (Auth:Keys, docs/security.md).");
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context, FunctionConfigurations configurations, FunctionCodeStore store, FunctionCatalog catalog, FunctionMetrics metrics, TimeProvider time,
        [FromKeyedServices(SigningService)] SigV4Verifier verifier, IOptions<IngestOptions> ingest)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier, MaxCreateFunctionBytes, "CreateFunction");
        if (request is null)
        {
            return error!;
        }

        if (PublishedKeyFromNetwork(context, request, ingest.Value, "CreateFunction") is { } notFromHere)
        {
            return notFromHere;
        }

        if (request.Body is not { ValueKind: JsonValueKind.Object } body
            || !body.TryGetProperty("FunctionName", out var nameProperty) || nameProperty.ValueKind != JsonValueKind.String)
        {
            return LambdaRequests.InvalidParameter("FunctionName is required.");
        }

        var name = LambdaRequests.FunctionName(nameProperty.GetString()!);
        if (!FunctionNamePattern().IsMatch(name))
        {
            return LambdaRequests.InvalidParameter($"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ (1 to 64 characters)");
        }

        if (body.TryGetProperty("PackageType", out var packageType) && packageType.GetString() is { } type && type != "Zip")
        {
            return LambdaRequests.InvalidParameter($"PackageType {type} is not supported here: a function is a .NET zip (docs/functions.md).");
        }

        if (CheckRuntime(body.TryGetProperty("Runtime", out var runtimeProperty) ? runtimeProperty.GetString() : null) is { } badRuntime)
        {
            return badRuntime;
        }

        var handler = body.TryGetProperty("Handler", out var handlerProperty) ? handlerProperty.GetString() : null;
        var (zip, badZip) = body.TryGetProperty("Code", out var code) ? ZipOf(code) : (null, LambdaRequests.InvalidParameter("Code is required: Code.ZipFile, the zip in base64."));
        if (zip is null)
        {
            return badZip!;
        }

        if (catalog.TryGet(name, out _))
        {
            return LambdaRequests.Error(StatusCodes.Status409Conflict, "ResourceConflictException", $"Function already exist: {name}");
        }

        FunctionConfiguration function;
        try
        {
            function = new FunctionConfiguration
            {
                FunctionName = name,
                Timeout = body.TryGetProperty("Timeout", out var timeout) ? timeout.GetInt32() : 3,
                MemorySize = body.TryGetProperty("MemorySize", out var memory) ? memory.GetInt32() : FunctionSettings.DefaultMemorySize,
                Environment = body.TryGetProperty("Environment", out var environment) && environment.TryGetProperty("Variables", out var variables) && variables.ValueKind == JsonValueKind.Object
                    ? variables.EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString() ?? "", StringComparer.Ordinal)
                    : new Dictionary<string, string>(),
                LastModified = time.GetUtcNow(),
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            return LambdaRequests.InvalidParameter($"A field has the wrong type: {ex.Message}");
        }

        if (FunctionValidation.Check(function) is { } invalid)
        {
            return LambdaRequests.InvalidParameter(invalid);
        }

        var (info, refused) = Inspect(zip, handler, contract: null, name);
        if (info is null)
        {
            return refused!;
        }

        if (info.Contract != nameof(IJsonFunction))
        {
            return LambdaRequests.InvalidParameter(
                $"CreateFunction takes functions invoked directly ({nameof(IJsonFunction)}) here; {info.Handler} is a {info.Contract}. A stream-fed function is registered in the server with its event source mapping, and its code replaced with UpdateFunctionCode (docs/functions.md).");
        }

        var chunks = await store.WriteAsync(zip, info.Sha256, context.RequestAborted);
        var runtime = runtimeProperty.GetString()!;
        if (await configurations.PutFunctionAsync(function with { Code = info with { Chunks = chunks, Runtime = runtime } }, 0, context.RequestAborted) is not { } written)
        {
            return LambdaRequests.Error(StatusCodes.Status409Conflict, "ResourceConflictException", $"Function already exist: {name}");
        }

        // As for the built-in functions: Errors and Throttles are there at 0 from the start (on this node at once).
        metrics.Announce(name);
        catalog.TryGet(name, out var registration);
        return LambdaRequests.Ok(FunctionsApi.Shape(request.Region, registration, written), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateCodeAsync(
        string functionName, HttpContext context, FunctionConfigurations configurations, FunctionCodeStore store, FunctionCatalog catalog, TimeProvider time,
        [FromKeyedServices(SigningService)] SigV4Verifier verifier, IOptions<IngestOptions> ingest)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier, MaxUpdateFunctionCodeBytes, "UpdateFunctionCode");
        if (request is null)
        {
            return error!;
        }

        if (PublishedKeyFromNetwork(context, request, ingest.Value, "UpdateFunctionCode") is { } notFromHere)
        {
            return notFromHere;
        }

        var name = LambdaRequests.FunctionName(functionName);
        if (!catalog.TryGet(name, out var registration))
        {
            return LambdaRequests.FunctionNotFound(request.Region, name);
        }

        if (request.Body is not { ValueKind: JsonValueKind.Object } body)
        {
            return LambdaRequests.InvalidParameter("The request body must be a JSON object.");
        }

        var (zip, badZip) = ZipOf(body);
        if (zip is null)
        {
            return badZip!;
        }

        await configurations.RefreshAsync(context.RequestAborted);
        var current = configurations.Function(name) ?? new FunctionConfiguration { FunctionName = name, Timeout = (int)registration.Timeout.TotalSeconds };
        if (body.TryGetProperty("RevisionId", out var revisionId) && revisionId.GetString() != FunctionsApi.RevisionId(current))
        {
            return LambdaRequests.Error(StatusCodes.Status412PreconditionFailed, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
        }

        // The function keeps its contract: a stream-fed function's new code must take its mapping's batches. The
        // handler stays the one deployed before; code replacing the class compiled into the server names none, and
        // the zip's one class implementing the contract is taken.
        var contract = current.Code is { } deployed
            ? DeployedFunctions.ContractType(deployed.Contract)
            : FunctionPackage.Contracts.First(c => c.IsAssignableFrom(registration.Implementation));
        var (info, refused) = Inspect(zip, current.Code?.Handler, contract, name);
        if (info is null)
        {
            return refused!;
        }

        var code = info with { Runtime = current.Code?.Runtime ?? DefaultRuntime };
        var updated = current with { Code = code, LastModified = time.GetUtcNow() };
        if (body.TryGetProperty("DryRun", out var dryRun) && dryRun.ValueKind == JsonValueKind.True)
        {
            // Lambda's DryRun: everything checked, nothing changed.
            return LambdaRequests.Ok(FunctionsApi.Shape(request.Region, registration, updated));
        }

        var chunks = await store.WriteAsync(zip, info.Sha256, context.RequestAborted);
        if (await configurations.PutFunctionAsync(updated with { Code = code with { Chunks = chunks } }, current.Revision, context.RequestAborted) is not { } written)
        {
            return LambdaRequests.Error(StatusCodes.Status409Conflict, "ResourceConflictException",
                $"The operation cannot be performed at this time. An update is in progress for resource: {LambdaRequests.FunctionArn(request.Region, name)}");
        }

        return LambdaRequests.Ok(FunctionsApi.Shape(request.Region, registration, written));
    }

    /// <summary>Lambda's .NET runtimes this server can run: <c>dotnet&lt;major&gt;</c> up to its own .NET.</summary>
    private static IResult? CheckRuntime(string? runtime)
    {
        if (runtime is null)
        {
            return LambdaRequests.InvalidParameter("Runtime is required for a function of PackageType Zip: dotnet8 or dotnet10.");
        }

        var match = RuntimePattern().Match(runtime);
        return match.Success && int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) is >= 6 and var major && major <= Environment.Version.Major
            ? null
            : LambdaRequests.InvalidParameter(
                $"The runtime parameter of {runtime} is not supported for creating or updating functions on this server, which runs .NET functions in its own process. We recommend you use the runtime ({DefaultRuntime}) while creating or updating functions.");
    }

    /// <summary>The zip of a body's <c>ZipFile</c> (UpdateFunctionCode's body, CreateFunction's <c>Code</c>).</summary>
    private static (byte[]? Zip, IResult? Error) ZipOf(JsonElement code)
    {
        if (code.ValueKind != JsonValueKind.Object || !code.TryGetProperty("ZipFile", out var zipFile) || zipFile.ValueKind != JsonValueKind.String)
        {
            return (null, code.ValueKind == JsonValueKind.Object && (code.TryGetProperty("S3Bucket", out _) || code.TryGetProperty("ImageUri", out _))
                ? LambdaRequests.InvalidParameter("Code from S3 or an image is not supported here: send the zip itself (ZipFile, or --zip-file fileb://function.zip).")
                : LambdaRequests.InvalidParameter("ZipFile is required: the zip in base64."));
        }

        if (!zipFile.TryGetBytesFromBase64(out var zip))
        {
            return (null, LambdaRequests.InvalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again."));
        }

        return zip.Length > FunctionPackage.MaxZipBytes
            ? (null, LambdaRequests.Error(StatusCodes.Status413RequestEntityTooLarge, "RequestEntityTooLargeException", $"Zipped size must be smaller than {FunctionPackage.MaxZipBytes} bytes"))
            : (zip, null);
    }

    /// <summary>
    /// Loads the package as the runtime will, then unloads it: what it holds, or Lambda's InvalidParameterValueException
    /// saying why it cannot run.
    /// </summary>
    private static (FunctionCodeInfo? Info, IResult? Refused) Inspect(byte[] zip, string? handler, Type? contract, string name)
    {
        try
        {
            using var loaded = FunctionPackage.Load(zip, handler, contract, $"{name}@deploy");
            return (new FunctionCodeInfo
            {
                Sha256 = FunctionCodeStore.Sha256(zip),
                Size = zip.Length,
                Handler = loaded.Handler,
                Contract = loaded.Contract.Name,
            }, null);
        }
        catch (FunctionPackageException ex)
        {
            return (null, LambdaRequests.InvalidParameter(ex.Message));
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionNamePattern();

    [GeneratedRegex("^dotnet([0-9]+)$")]
    private static partial Regex RuntimePattern();
}
