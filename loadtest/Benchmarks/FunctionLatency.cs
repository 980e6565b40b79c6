using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Game.Functions.Contracts;
using Game.Functions.Runtime;
using Game.Server.EventSources;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Storage;
using HdrHistogram;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Game.Benchmarks;

/// <summary>
/// The function runtime on the real host parts (Orleans silo, embedded stream, shard readers, SQLite store):
/// (1) invocation overhead of an empty function through its grain, batches of 1 and 100 records;
/// (2) the delay from a record's append call to the start of the function invocation that gets it.
/// </summary>
public static class FunctionLatency
{
    private const int Invocations = 2_000;
    private const int Appends = 2_000;

    public static async Task RunAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "game-bench-fn-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Game:DataDirectory"] = directory,
            ["Orleans:SiloPort"] = FreePort().ToString(),
            ["Orleans:GatewayPort"] = FreePort().ToString(),
            ["Orleans:ClusterId"] = "bench",
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DataDirectory>();
        builder.AddGameSilo();
        builder.AddGameStore();
        builder.AddIngest();
        builder.Services.AddSingleton<FunctionMetrics>();
        builder.Services.AddSingleton<FunctionCatalog>();
        builder.Services.AddSingleton<FunctionConcurrency>();
        builder.Services.AddKinesisFunction<ProbeFunction>(ProbeFunction.Name, builder.Configuration);
        builder.Services.AddJsonFunctionless(EmptyFunction.Name);
        using var host = builder.Build();
        await host.StartAsync();

        var grains = host.Services.GetRequiredService<IGrainFactory>();
        Console.WriteLine("| measure | count | mean | p50 | p99 | max |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var size in new[] { 1, 100 })
        {
            var batch = new ShardBatch("motion", "shardId-000000000000", Enumerable.Range(1, size)
                .Select(i => new StreamRecord(SequenceNumber.Format(0, i), "p", new byte[100], DateTimeOffset.UtcNow)).ToList());
            var grain = grains.GetFunctionShardGrain(FunctionShardKey.ForLane(EmptyFunction.Name, "shardId-000000000000", 0));
            for (var i = 0; i < 200; i++)
            {
                await grain.Invoke(batch);
            }

            var histogram = new LongHistogram(TimeSpan.TicksPerSecond, 3);
            for (var i = 0; i < Invocations; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await grain.Invoke(batch);
                histogram.RecordValue(Stopwatch.GetElapsedTime(started).Ticks);
            }

            Print($"invoke, empty function, batch of {size}", histogram);
        }

        // Appends at about 500 records/s over 100 partition keys, so every shard reader sees a steady trickle.
        var stream = host.Services.GetRequiredService<IngestStream>();
        for (var i = 0; i < Appends; i++)
        {
            var data = BitConverter.GetBytes(Stopwatch.GetTimestamp());
            await stream.AppendAsync([new AppendRequest($"player-{i % 100}", data)]);
            await Task.Delay(2);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ProbeFunction.Delays.TotalCount < Appends && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Print("append call → function start", ProbeFunction.Delays);
        await host.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static void Print(string name, LongHistogram ticks)
    {
        static string Ms(double ticks) => $"{ticks / TimeSpan.TicksPerMillisecond:0.000} ms";
        Console.WriteLine($"| {name} | {ticks.TotalCount} | {Ms(ticks.GetMean())} | {Ms(ticks.GetValueAtPercentile(50))} | {Ms(ticks.GetValueAtPercentile(99))} | {Ms(ticks.GetMaxValue())} |");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Registers a Kinesis function that has no event source mapping: invoked only directly here.</summary>
    private static void AddJsonFunctionless(this IServiceCollection services, string name) =>
        services.AddSingleton(new FunctionRegistration(name, typeof(EmptyFunction), TimeSpan.FromSeconds(3)));

    /// <summary>Does nothing: what remains is the runtime's own cost.</summary>
    public sealed class EmptyFunction : IKinesisFunction
    {
        public const string Name = "empty";

        private static readonly Task<StreamsEventResponse> Done = Task.FromResult(new StreamsEventResponse());

        public Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context) => Done;
    }

    /// <summary>Records, at the start of each invocation, how long ago each of its records was appended.</summary>
    public sealed class ProbeFunction : IKinesisFunction
    {
        public const string Name = "probe";

        public static readonly LongHistogram Delays = new(TimeSpan.TicksPerMinute, 3);

        public Task<StreamsEventResponse> FunctionHandler(KinesisEvent kinesisEvent, ILambdaContext context)
        {
            var now = Stopwatch.GetTimestamp();
            lock (Delays)
            {
                foreach (var record in kinesisEvent.Records)
                {
                    Delays.RecordValue(Stopwatch.GetElapsedTime(BitConverter.ToInt64(record.Kinesis.Data), now).Ticks);
                }
            }

            return Task.FromResult(new StreamsEventResponse());
        }
    }
}
