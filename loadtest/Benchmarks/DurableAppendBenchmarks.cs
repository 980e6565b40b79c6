using BenchmarkDotNet.Attributes;
using FASTER.core;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Game.Benchmarks;

/// <summary>
/// Durable appends per second, each acknowledged only once on disk, from 64 concurrent producers: the embedded
/// stream (SQLite WAL, group commit) against FasterLog (group commit, per-entry checksums) and against the disk's
/// own rate of one write plus fsync. One operation = one record.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class DurableAppendBenchmarks
{
    private const int Records = 4_000;
    private const int Producers = 64;

    private string _directory = "";
    private byte[] _data = [];
    private IngestStream _stream = null!;
    private FasterLog _fasterLog = null!;
    private IDevice _device = null!;
    private FileStream _fsyncFile = null!;

    [Params(100, 1024)]
    public int RecordBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "game-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        _data = new byte[RecordBytes];
        Random.Shared.NextBytes(_data);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(Options.Create(new IngestOptions { ShardCount = 4, MaxPendingRecords = 1_000_000 }), new DataDirectory(configuration), TimeProvider.System, NullLogger<IngestStream>.Instance);
        _device = Devices.CreateLogDevice(Path.Combine(_directory, "faster.log"));
        _fasterLog = new FasterLog(new FasterLogSettings { LogDevice = _device, AutoCommit = true, LogChecksum = LogChecksumType.PerEntry });
        _fsyncFile = new FileStream(Path.Combine(_directory, "fsync.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _stream.DisposeAsync();
        _fasterLog.Dispose();
        _device.Dispose();
        await _fsyncFile.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public Task EmbeddedStream() => Produce(async i =>
    {
        var result = await _stream.AppendAsync([new AppendRequest($"player-{i % 1000}", _data)]);
        if (!result[0].Succeeded)
        {
            throw new InvalidOperationException(result[0].ErrorCode);
        }
    });

    [Benchmark(OperationsPerInvoke = Records)]
    public Task FasterLogGroupCommit() => Produce(async _ => await _fasterLog.EnqueueAndWaitForCommitAsync(_data));

    /// <summary>The disk's own limit for one producer: every record its own write and fsync, no grouping.</summary>
    [Benchmark(OperationsPerInvoke = 200)]
    public void FsyncPerRecord()
    {
        for (var i = 0; i < 200; i++)
        {
            _fsyncFile.Write(_data);
            _fsyncFile.Flush(flushToDisk: true);
        }
    }

    private async Task Produce(Func<int, Task> append)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Producers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Records)
            {
                await append(i);
            }
        })));
    }
}
