using System.Text.Json;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Ingest.Kinesis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Game.Tests.Fuzz;

/// <summary>A real stream in a temporary directory for the Kinesis targets, and the two request paths over it.</summary>
internal sealed class FuzzStream : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "game-fuzz-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly IngestStream _stream;
    private readonly KinesisOperations _operations;

    public FuzzStream()
    {
        var options = Options.Create(new IngestOptions { ShardCount = 4, MaxRecordBytes = 1024, MaxRequestBytes = 64 * 1024 });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Game:DataDirectory"] = _directory }).Build();
        _stream = new IngestStream(options, new DataDirectory(configuration), TimeProvider.System, NullLogger<IngestStream>.Instance);
        _operations = new KinesisOperations(_stream, options, TimeProvider.System);
    }

    public async Task RunJsonAsync(string operation, byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            await InvokeAsync(operation, document.RootElement);
        }
    }

    public async Task RunCborAsync(string operation, byte[] body)
    {
        byte[] json;
        try
        {
            json = KinesisCbor.ToJson(body);
        }
        catch (KinesisException ex) when (ex.ErrorType == "SerializationException")
        {
            return;
        }

        // What the translation makes must be JSON the operations can read: a parse failure here is a bug.
        using var document = JsonDocument.Parse(json);
        await InvokeAsync(operation, document.RootElement);
    }

    /// <summary>One operation on a JSON body, its errors thrown as they are (for the findings' regression tests).</summary>
    public async Task<byte[]> InvokeDirectAsync(string operation, string body)
    {
        using var document = JsonDocument.Parse(body);
        return await _operations.InvokeAsync(operation, document.RootElement, "us-east-1");
    }

    private async Task InvokeAsync(string operation, JsonElement root)
    {
        try
        {
            // An answer must translate to CBOR too: the endpoint answers CBOR requests in CBOR.
            var answer = await _operations.InvokeAsync(operation, root, "us-east-1");
            KinesisCbor.FromJson(answer);
        }
        catch (KinesisException ex) when (ex.StatusCode == 400)
        {
            Assert.NotEqual("InternalFailure", ex.ErrorType);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
