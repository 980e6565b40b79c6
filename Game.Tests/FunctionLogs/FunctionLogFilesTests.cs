using Game.Server.FunctionLogs;
using Game.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Game.Tests.FunctionLogs;

/// <summary>The writer alone: it keeps each function's file open, yet rotates it and is readable meanwhile.</summary>
public sealed class FunctionLogFilesTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "function-logs-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Write_PastMaxFileBytes_RotatesOnceAndKeepsEveryLineOfTheNewestTwoFiles()
    {
        var logs = new FunctionLogFiles(Data(), NullLogger<FunctionLogFiles>.Instance);
        await logs.StartAsync(CancellationToken.None);
        var line = new string('x', 1000);
        // 1.5 files' worth: the first file fills and is rotated once, the rest goes to a new current file.
        var count = (int)(FunctionLogFiles.MaxFileBytes * 3 / 2 / (line.Length + 12));
        for (var i = 0; i < count; i++)
        {
            logs.Write("score", $"{i:D10} {line}\n");
        }

        var last = $"{count - 1:D10} {line}";
        await WaitUntil(() => logs.Tail("score", 1) is [var newest] && newest == last);
        await logs.StopAsync(CancellationToken.None);

        var current = new FileInfo(Path.Combine(logs.Folder, "score.log"));
        var rotated = new FileInfo(Path.Combine(logs.Folder, "score.1.log"));
        Assert.True(rotated.Length >= FunctionLogFiles.MaxFileBytes, $"rotated file {rotated.Length} B");
        Assert.InRange(current.Length, 1, FunctionLogFiles.MaxFileBytes);
        // Nothing lost or doubled across the rotation: the two files hold every line, in order.
        var lines = logs.Tail("score", count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"{i:D10} {line}"), lines);
    }

    [Fact]
    public async Task Tail_WhileTheWriterHoldsTheFileOpen_SeesWhatWasWritten()
    {
        var logs = new FunctionLogFiles(Data(), NullLogger<FunctionLogFiles>.Instance);
        await logs.StartAsync(CancellationToken.None);

        logs.Write("score", "START RequestId: 1\nREPORT RequestId: 1\n");
        await WaitUntil(() => logs.Tail("score", 10).Count == 2);
        logs.Write("player-rank", "START RequestId: 2\n");
        await WaitUntil(() => logs.Tail("player-rank", 10).Count == 1);

        Assert.Equal(["START RequestId: 1", "REPORT RequestId: 1"], logs.Tail("score", 10));
        await logs.StopAsync(CancellationToken.None);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private DataDirectory Data() =>
        new(new ConfigurationBuilder().AddInMemoryCollection([new("Game:DataDirectory", _folder)]).Build());

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
