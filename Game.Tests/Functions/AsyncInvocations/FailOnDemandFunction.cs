using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Game.Functions.Runtime;

namespace Game.Tests.Functions.AsyncInvocations;

/// <summary>
/// A JSON function registered only in tests: input <c>{"key": "…", "failTimes": n}</c> fails the first n calls with
/// that key and succeeds after, so a test scripts an event's attempts through its payload and counts them by key.
/// </summary>
public sealed class FailOnDemandFunction : IJsonFunction
{
    public const string Name = "fail-on-demand";

    private static readonly ConcurrentDictionary<string, int> Calls = new(StringComparer.Ordinal);

    public static int CallsOf(string key) => Calls.GetValueOrDefault(key);

    public Task<JsonNode?> FunctionHandler(JsonElement input, ILambdaContext context)
    {
        var key = input.GetProperty("key").GetString()!;
        var call = Calls.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (call <= input.GetProperty("failTimes").GetInt32())
        {
            throw new InvalidOperationException($"Failing on demand: call {call} of {key}.");
        }

        return Task.FromResult<JsonNode?>(new JsonObject { ["key"] = key, ["call"] = call });
    }
}
