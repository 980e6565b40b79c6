using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Game.Functions.Runtime;
using Game.Server.Auth;
using Game.Server.EventSources;
using Game.Server.EventSources.Sources;

namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// Lambda's event source mapping operations on the Invoke endpoint's paths and signature: Create, List, Get,
/// Update and DeleteEventSourceMapping, with every knob of <see cref="EventSourceMappingOptions"/> plus
/// <c>Enabled</c> and <c>MetricsConfig</c>. A change is stored and applied by every node's poller without a
/// restart, at the shards' checkpoints; <c>State</c> moves through Lambda's values.
/// </summary>
public static class EventSourceMappingsApi
{
    private const string SigningService = "lambda";
    private const string Path = "/2015-03-31/event-source-mappings";

    /// <summary>The knobs Create and Update take; Create also takes FunctionName, EventSourceArn and the starting position.</summary>
    private static readonly HashSet<string> Knobs =
    [
        "BatchSize", "MaximumBatchingWindowInSeconds", "ParallelizationFactor", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
        "BisectBatchOnFunctionError", "FunctionResponseTypes", "DestinationConfig", "FilterCriteria", "TumblingWindowInSeconds",
        "Enabled", "MetricsConfig",
    ];

    private static readonly HashSet<string> CreateOnly = ["FunctionName", "EventSourceArn", "StartingPosition", "StartingPositionTimestamp"];

    public static IEndpointRouteBuilder MapEventSourceMappingsApi(this IEndpointRouteBuilder app)
    {
        // Create and List act on no one mapping: IAM's resource is *, which Lambda narrows with the lambda:FunctionArn
        // condition, a condition this server does not have (docs/security.md).
        app.MapPost(Path, CreateAsync).DisableAntiforgery().WithIamAction("lambda:CreateEventSourceMapping");
        app.MapGet(Path, ListAsync).WithIamAction("lambda:ListEventSourceMappings");
        app.MapGet(Path + "/{uuid}", GetAsync).WithIamAction("lambda:GetEventSourceMapping", LambdaResources.EventSourceMapping);
        app.MapPut(Path + "/{uuid}", UpdateAsync).DisableAntiforgery().WithIamAction("lambda:UpdateEventSourceMapping", LambdaResources.EventSourceMapping);
        app.MapDelete(Path + "/{uuid}", DeleteAsync).WithIamAction("lambda:DeleteEventSourceMapping", LambdaResources.EventSourceMapping);
        return app;
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context, FunctionConfigurations configurations, FunctionCatalog catalog, IServiceProvider services, TimeProvider time,
        [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier);
        if (request is null)
        {
            return error!;
        }

        if (request.Body is not { ValueKind: JsonValueKind.Object } body
            || !body.TryGetProperty("FunctionName", out var functionProperty) || functionProperty.GetString() is not { Length: > 0 } functionName
            || !body.TryGetProperty("EventSourceArn", out var arnProperty) || arnProperty.GetString() is not { Length: > 0 } eventSourceArn)
        {
            return LambdaRequests.InvalidParameter("FunctionName and EventSourceArn are required.");
        }

        var name = LambdaRequests.FunctionName(functionName);
        if (!catalog.TryGet(name, out var registration))
        {
            return LambdaRequests.FunctionNotFound(request.Region, name);
        }

        var streamName = services.GetService<IShardSource>()?.StreamName;
        if (!ControlPlaneSync.IsStreamFed(registration) || streamName is null)
        {
            return LambdaRequests.InvalidParameter($"Function {name} does not take Kinesis events, so it cannot have an event source mapping.");
        }

        if (!IsStreamArn(eventSourceArn, streamName))
        {
            return LambdaRequests.InvalidParameter($"EventSourceArn must name this server's stream: {LambdaRequests.StreamArn(request.Region, streamName)}.");
        }

        var options = new EventSourceMappingOptions();
        if (Apply(body, options, creating: true) is { } invalid)
        {
            return invalid;
        }

        await configurations.RefreshAsync(context.RequestAborted);
        if (configurations.MappingOf(name) is { } existing)
        {
            return LambdaRequests.Error(StatusCodes.Status409Conflict, "ResourceConflictException",
                $"An event source mapping with Kinesis arn (\" {LambdaRequests.StreamArn(request.Region, streamName)} \") and function (\" {name} \") already exists. Please update or delete the existing mapping with UUID {existing.Uuid}");
        }

        var mapping = new EventSourceMapping
        {
            Uuid = Guid.NewGuid().ToString(),
            FunctionName = name,
            StreamName = streamName,
            Options = options,
            State = MappingStates.Creating,
            LastModified = time.GetUtcNow(),
        };
        var written = await configurations.PutMappingAsync(mapping, 0, context.RequestAborted);
        return LambdaRequests.Ok(Shape(request.Region, written!), StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, FunctionConfigurations configurations, [FromKeyedServices(SigningService)] SigV4Verifier verifier,
        string? functionName = null, string? eventSourceArn = null)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier);
        if (request is null)
        {
            return error!;
        }

        await configurations.RefreshAsync(context.RequestAborted);
        var name = functionName is { Length: > 0 } ? LambdaRequests.FunctionName(functionName) : null;
        var mappings = configurations.Mappings
            .Where(m => name is null || m.FunctionName == name)
            .Where(m => eventSourceArn is not { Length: > 0 } || IsStreamArn(eventSourceArn, m.StreamName))
            .Select(m => Shape(request.Region, m))
            .ToList();
        return LambdaRequests.Ok(new { EventSourceMappings = mappings });
    }

    private static async Task<IResult> GetAsync(string uuid, HttpContext context, FunctionConfigurations configurations, [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier);
        if (request is null)
        {
            return error!;
        }

        await configurations.RefreshAsync(context.RequestAborted);
        return configurations.Mapping(uuid) is { } mapping ? LambdaRequests.Ok(Shape(request.Region, mapping)) : NotFound(uuid);
    }

    private static async Task<IResult> UpdateAsync(string uuid, HttpContext context, FunctionConfigurations configurations, TimeProvider time, [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier);
        if (request is null)
        {
            return error!;
        }

        if (request.Body is not { ValueKind: JsonValueKind.Object } body)
        {
            return LambdaRequests.InvalidParameter("The request body must be a JSON object.");
        }

        await configurations.RefreshAsync(context.RequestAborted);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (configurations.Mapping(uuid) is not { } current)
            {
                return NotFound(uuid);
            }

            if (current.State == MappingStates.Deleting)
            {
                return InUse();
            }

            if (body.TryGetProperty("FunctionName", out var function) && LambdaRequests.FunctionName(function.GetString() ?? "") != current.FunctionName)
            {
                return LambdaRequests.InvalidParameter("A mapping's function cannot be changed here: delete the mapping and create one for the other function.");
            }

            var options = JsonSerializer.Deserialize<EventSourceMappingOptions>(current.OptionsJson, ControlPlaneJson.Options)!;
            if (Apply(body, options, creating: false) is { } invalid)
            {
                return invalid;
            }

            var state = options.Enabled == current.Options.Enabled
                ? current.Reads ? MappingStates.Updating : current.State
                : options.Enabled ? MappingStates.Enabling : MappingStates.Disabling;
            var updated = current with { Options = options, State = state, StateTransitionReason = "USER_INITIATED", LastModified = time.GetUtcNow() };
            if (await configurations.PutMappingAsync(updated, current.Revision, context.RequestAborted) is { } written)
            {
                return LambdaRequests.Ok(Shape(request.Region, written), StatusCodes.Status202Accepted);
            }
        }

        return InUse();
    }

    private static async Task<IResult> DeleteAsync(string uuid, HttpContext context, FunctionConfigurations configurations, TimeProvider time, [FromKeyedServices(SigningService)] SigV4Verifier verifier)
    {
        var (request, error) = await LambdaRequests.VerifyAsync(context, verifier);
        if (request is null)
        {
            return error!;
        }

        await configurations.RefreshAsync(context.RequestAborted);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (configurations.Mapping(uuid) is not { } current)
            {
                return NotFound(uuid);
            }

            // The pollers stop reading (checkpoints kept), then the mapping goes from the store.
            var deleting = current with { State = MappingStates.Deleting, StateTransitionReason = "USER_INITIATED", LastModified = time.GetUtcNow() };
            if (current.State == MappingStates.Deleting || await configurations.PutMappingAsync(deleting, current.Revision, context.RequestAborted) is not null)
            {
                return LambdaRequests.Ok(Shape(request.Region, deleting), StatusCodes.Status202Accepted);
            }
        }

        return InUse();
    }

    /// <summary>Applies the body's knobs to <paramref name="options"/> and validates the result; answers the error to send, or null.</summary>
    private static IResult? Apply(JsonElement body, EventSourceMappingOptions options, bool creating)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (!Knobs.Contains(property.Name) && !(creating && CreateOnly.Contains(property.Name)) && property.Name != "FunctionName")
            {
                return LambdaRequests.InvalidParameter(CreateOnly.Contains(property.Name)
                    ? $"{property.Name} cannot be changed after the mapping is created."
                    : $"{property.Name} is not supported for a Kinesis event source here (docs/functions.md).");
            }
        }

        try
        {
            var value = body.Clone();
            SetIf(value, "BatchSize", v => options.BatchSize = v.GetInt32());
            SetIf(value, "MaximumBatchingWindowInSeconds", v => options.MaximumBatchingWindowInSeconds = v.GetDouble());
            SetIf(value, "ParallelizationFactor", v => options.ParallelizationFactor = v.GetInt32());
            SetIf(value, "MaximumRetryAttempts", v => options.MaximumRetryAttempts = v.GetInt32());
            SetIf(value, "MaximumRecordAgeInSeconds", v => options.MaximumRecordAgeInSeconds = v.GetInt32());
            SetIf(value, "BisectBatchOnFunctionError", v => options.BisectBatchOnFunctionError = v.GetBoolean());
            SetIf(value, "TumblingWindowInSeconds", v => options.TumblingWindowInSeconds = v.GetInt32());
            SetIf(value, "Enabled", v => options.Enabled = v.GetBoolean());
            SetIf(value, "FunctionResponseTypes", v => options.FunctionResponseTypes = v.EnumerateArray().Select(t => t.GetString() ?? "").ToList());
            SetIf(value, "MetricsConfig", v => options.MetricsConfig = new MappingMetricsConfig
            {
                Metrics = v.TryGetProperty("Metrics", out var metrics) ? metrics.EnumerateArray().Select(m => m.GetString() ?? "").ToList() : [],
            });
            SetIf(value, "FilterCriteria", v => options.FilterCriteria = v.TryGetProperty("Filters", out var filters)
                ? filters.EnumerateArray().Select(f => f.GetProperty("Pattern").GetString() ?? "").ToList()
                : []);
            SetIf(value, "DestinationConfig", v => options.OnFailureDestination =
                v.TryGetProperty("OnFailure", out var onFailure) && onFailure.TryGetProperty("Destination", out var destination)
                    ? Destination(destination.GetString())
                    : null);
            SetIf(value, "StartingPosition", v => options.StartingPosition = Enum.Parse<StartingPosition>(v.GetString() ?? "", ignoreCase: false));
            SetIf(value, "StartingPositionTimestamp", v => options.StartingPositionTimestamp = DateTimeOffset.FromUnixTimeMilliseconds((long)(v.GetDouble() * 1000)));
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            return LambdaRequests.InvalidParameter($"A field has the wrong type or value: {ex.Message}");
        }

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return LambdaRequests.InvalidParameter(string.Join(" ", results.Select(r => r.ErrorMessage)));
        }

        return null;
    }

    private static void SetIf(JsonElement body, string name, Action<JsonElement> set)
    {
        if (body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            set(value);
        }
    }

    /// <summary>The on-failure destination: the dead letters, named <c>DeadLetters</c> or by an ARN ending in it; empty for none.</summary>
    private static string? Destination(string? destination) => destination switch
    {
        null or "" => null,
        _ when destination.Split(':')[^1] == "DeadLetters" => "DeadLetters",
        _ => throw new ArgumentException($"The on-failure destination here is DeadLetters (the store's dead letters), not '{destination}'."),
    };

    private static bool IsStreamArn(string arn, string streamName) =>
        arn.StartsWith("arn:aws:kinesis:", StringComparison.Ordinal) && arn.EndsWith($":stream/{streamName}", StringComparison.Ordinal);

    private static IResult NotFound(string uuid) =>
        LambdaRequests.Error(StatusCodes.Status404NotFound, "ResourceNotFoundException", $"The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: {uuid})");

    private static IResult InUse() =>
        LambdaRequests.Error(StatusCodes.Status400BadRequest, "ResourceInUseException", "Cannot update the event source mapping because it is in use or being deleted.");

    /// <summary>Lambda's EventSourceMappingConfiguration.</summary>
    private static object Shape(string region, EventSourceMapping mapping)
    {
        var options = mapping.Options;
        return new
        {
            UUID = mapping.Uuid,
            StartingPosition = options.StartingPosition.ToString(),
            StartingPositionTimestamp = options.StartingPositionTimestamp is { } at ? at.ToUnixTimeMilliseconds() / 1000.0 : (double?)null,
            options.BatchSize,
            options.MaximumBatchingWindowInSeconds,
            options.ParallelizationFactor,
            EventSourceArn = LambdaRequests.StreamArn(region, mapping.StreamName),
            FilterCriteria = options.FilterCriteria.Count > 0 ? new { Filters = options.FilterCriteria.Select(p => new { Pattern = p }) } : null,
            FunctionArn = LambdaRequests.FunctionArn(region, mapping.FunctionName),
            LastModified = mapping.LastModified.ToUnixTimeMilliseconds() / 1000.0,
            mapping.State,
            mapping.StateTransitionReason,
            DestinationConfig = new { OnFailure = options.OnFailureDestination is { } destination ? new { Destination = destination } : null },
            options.MaximumRecordAgeInSeconds,
            options.BisectBatchOnFunctionError,
            options.MaximumRetryAttempts,
            options.TumblingWindowInSeconds,
            options.FunctionResponseTypes,
            MetricsConfig = options.MetricsConfig.Metrics.Count > 0 ? new { options.MetricsConfig.Metrics } : null,
        };
    }
}
