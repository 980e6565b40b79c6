using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.Auth;
using Microsoft.AspNetCore.Mvc;

namespace Game.Server.EventSources;

/// <summary>
/// The on-failure destination over HTTP: list a function's dead letters, and replay one through the function
/// (for example after fixing the bug that made it fail). A mapping's dead letter replays its records as a batch, an
/// Event invocation's its payload, invoked once.
/// </summary>
public static class DeadLetterApi
{
    public sealed record DeadLetterSummary(
        string Id, string FunctionName, string StreamName, string ShardId, string StartSequenceNumber, string EndSequenceNumber,
        int BatchSize, string Condition, string? Error, int Attempts, DateTimeOffset FailedAt, DateTimeOffset? ReplayedAt,
        string? RequestId = null, string? Payload = null);

    public sealed record ReplayResponse(string Id, string RequestId, bool Succeeded, string? Error, DateTimeOffset? ReplayedAt);

    public static IEndpointRouteBuilder MapDeadLetterApi(this IEndpointRouteBuilder app)
    {
        var functions = app.MapGroup("/api/functions/{functionName}/dead-letters");
        functions.MapGet("/", ListAsync);
        functions.MapPost("/{id}/replay", ReplayAsync).AddEndpointFilter(PresenterKey.Required);
        return app;
    }

    private static async Task<IResult> ListAsync(string functionName, FunctionCatalog catalog, [FromServices] IDeadLetterStore store, CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(functionName, out _))
        {
            return UnknownFunction(functionName);
        }

        var letters = await store.ListAsync(functionName, cancellationToken);
        return Results.Ok(letters.Select(d => new DeadLetterSummary(
            d.Id, d.FunctionName, d.StreamName, d.ShardId, d.StartSequenceNumber, d.EndSequenceNumber,
            d.BatchSize, d.Condition, d.Error, d.Attempts, d.FailedAt, d.ReplayedAt,
            d.RequestId, d.Payload is { } payload ? System.Text.Encoding.UTF8.GetString(payload) : null)));
    }

    private static async Task<IResult> ReplayAsync(
        string functionName, string id, FunctionCatalog catalog, [FromServices] IDeadLetterStore store, IGrainFactory grains, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(functionName, out _))
        {
            return UnknownFunction(functionName);
        }

        if (await store.GetAsync(id, cancellationToken) is not { } letter || letter.FunctionName != functionName)
        {
            return Results.Problem(detail: $"Function '{functionName}' has no dead letter '{id}'.", statusCode: StatusCodes.Status404NotFound);
        }

        // Its own activation, so a replay never interleaves with the live shard's batches.
        var result = letter.Payload is { } payload
            ? Replayed(await grains.GetGrain<IFunctionGrain>(functionName).Invoke(payload))
            : await grains.GetFunctionShardGrain(FunctionShardKey.ForReplay(functionName, letter.ShardId))
                .Invoke(new ShardBatch(letter.StreamName, letter.ShardId, letter.Records));
        DateTimeOffset? replayedAt = null;
        if (result.Succeeded)
        {
            replayedAt = time.GetUtcNow();
            await store.MarkReplayedAsync(id, replayedAt.Value, cancellationToken);
        }

        var response = new ReplayResponse(id, result.RequestId, result.Succeeded, result.Error ?? (result.Succeeded ? null : $"Failed from {result.FirstFailedSequenceNumber}"), replayedAt);
        return result.Succeeded ? Results.Ok(response) : Results.Json(response, statusCode: StatusCodes.Status502BadGateway);
    }

    private static InvocationResult Replayed(DirectInvocationResult invocation) =>
        new()
        {
            RequestId = invocation.RequestId,
            Succeeded = invocation.ErrorType is null,
            Error = invocation.ErrorType is null ? null : $"{invocation.ErrorType}: {invocation.ErrorMessage}",
        };

    private static IResult UnknownFunction(string name) =>
        Results.Problem(detail: $"No function named '{name}'.", statusCode: StatusCodes.Status404NotFound);
}
