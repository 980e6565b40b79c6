using System.Text;
using System.Threading.Channels;
using Game.Functions.Runtime;
using Game.Server.Hosting;

namespace Game.Server.FunctionLogs;

/// <summary>
/// Each function's own log, as Lambda keeps one log group per function: every invocation's START … END and REPORT
/// lines, appended to <c>logs/functions/&lt;name&gt;.log</c> in the data directory. A file that passes
/// <see cref="MaxFileBytes"/> becomes <c>&lt;name&gt;.1.log</c> (replacing the previous one), so a function never holds
/// more than twice that on disk. Invocations hand their log to a queue and go on; one background writer appends, keeping each file open.
/// </summary>
public sealed partial class FunctionLogFiles : BackgroundService, IFunctionLogSink
{
    /// <summary>A file's size at which it is rotated: 1 MiB, about 5,000 invocations of a batch function.</summary>
    public const long MaxFileBytes = 1024 * 1024;

    /// <summary>Invocation logs waiting for the writer; past this the oldest are dropped rather than slowing a function.</summary>
    private const int MaxQueued = 10_000;

    private readonly Channel<(string Function, string Log)> _queue = Channel.CreateBounded<(string, string)>(
        new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly ILogger<FunctionLogFiles> _logger;

    public FunctionLogFiles(DataDirectory data, ILogger<FunctionLogFiles> logger)
    {
        _logger = logger;
        Folder = Path.Combine(data.Path, "logs", "functions");
        Directory.CreateDirectory(Folder);
    }

    /// <summary>The folder holding one log file per function.</summary>
    public string Folder { get; }

    public void Write(string functionName, string log) => _queue.Writer.TryWrite((functionName, log));

    /// <summary>The last <paramref name="count"/> lines of a function's log, oldest first (the rotated file included).</summary>
    public IReadOnlyList<string> Tail(string functionName, int count)
    {
        var lines = new Queue<string>(count);
        foreach (var path in new[] { RotatedPath(functionName), CurrentPath(functionName) })
        {
            if (!File.Exists(path))
            {
                continue;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (reader.ReadLine() is { } line)
            {
                if (lines.Count == count)
                {
                    lines.Dequeue();
                }

                lines.Enqueue(line);
            }
        }

        return [.. lines];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One open file per function, flushed whenever the queue runs dry: at full load a batch function is invoked
        // hundreds of times a second, and opening, appending and closing the file for each invocation kept a
        // thread-pool thread in file-system calls the stream's and the store's writers were waiting for.
        var open = new Dictionary<string, StreamWriter>(StringComparer.Ordinal);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_queue.Reader.TryRead(out var entry))
                {
                    Append(open, entry.Function, entry.Log);
                }

                foreach (var (function, writer) in open)
                {
                    Flush(function, writer);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var (function, writer) in open)
            {
                Flush(function, writer);
                writer.Dispose();
            }
        }
    }

    private void Append(Dictionary<string, StreamWriter> open, string function, string log)
    {
        try
        {
            if (open.TryGetValue(function, out var writer) && writer.BaseStream.Length >= MaxFileBytes)
            {
                writer.Dispose();
                open.Remove(function);
                File.Move(CurrentPath(function), RotatedPath(function), overwrite: true);
            }

            if (!open.TryGetValue(function, out writer))
            {
                var path = CurrentPath(function);
                if (new FileInfo(path) is { Exists: true, Length: >= MaxFileBytes })
                {
                    File.Move(path, RotatedPath(function), overwrite: true);
                }

                // Readers (Tail) may read it meanwhile, and rotation renames it.
                var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                writer = open[function] = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }

            writer.Write(log);
        }
        catch (IOException ex)
        {
            LogWriteFailed(_logger, ex, function);
        }
    }

    private void Flush(string function, StreamWriter writer)
    {
        try
        {
            writer.Flush();
        }
        catch (IOException ex)
        {
            LogWriteFailed(_logger, ex, function);
        }
    }

    // Function names come from the catalog (letters, digits, '-', '_'), never from a request, so they are safe file names.
    private string CurrentPath(string function) => Path.Combine(Folder, function + ".log");

    private string RotatedPath(string function) => Path.Combine(Folder, function + ".1.log");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not append to the log of function {Function}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string function);
}
