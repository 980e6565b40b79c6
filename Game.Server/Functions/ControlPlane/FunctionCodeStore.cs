using System.Globalization;
using System.Security.Cryptography;

namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// Deployed zips in the control-plane store (<see cref="IControlPlaneStore"/>, so both the embedded file and DynamoDB
/// keep them), so that every node, including one that starts later, loads the same code. A zip is cut into chunks of
/// <see cref="ChunkBytes"/>, each one document of kind <c>code/&lt;hex sha-256&gt;</c>: a DynamoDB item holds at most
/// 400 KB, and a chunk in base64 stays well under it. Chunks are named by the zip's hash, so they never change: they
/// are written before the configuration that names them, and a node that reads a configuration finds its chunks.
/// </summary>
public sealed class FunctionCodeStore(IControlPlaneStore store)
{
    /// <summary>256 KiB of zip: 342 KiB in base64, under DynamoDB's 400 KB item limit with room for the keys.</summary>
    public const int ChunkBytes = 256 * 1024;

    /// <summary>How many zips a node keeps in memory (the current code of a few functions and the code it replaced).</summary>
    private const int Recent = 8;

    /// <summary>Zips this node read lately, by hash: environments of one function on one node share a download.</summary>
    private readonly Dictionary<string, Task<byte[]>> _recent = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>The document kind of a zip's chunks.</summary>
    public static string Kind(string sha256Base64) => "code/" + Convert.ToHexStringLower(Convert.FromBase64String(sha256Base64));

    /// <summary>Lambda's CodeSha256: base64 of the zip's SHA-256.</summary>
    public static string Sha256(ReadOnlySpan<byte> zip) => Convert.ToBase64String(SHA256.HashData(zip));

    /// <summary>Writes the zip's chunks (those already there, from an earlier deployment of the same zip, stay); answers how many.</summary>
    public async Task<int> WriteAsync(byte[] zip, string sha256, CancellationToken cancellationToken)
    {
        var kind = Kind(sha256);
        var chunks = Math.Max(1, (zip.Length + ChunkBytes - 1) / ChunkBytes);
        for (var i = 0; i < chunks; i++)
        {
            var offset = i * ChunkBytes;
            var body = Convert.ToBase64String(zip, offset, Math.Min(ChunkBytes, zip.Length - offset));
            // Create-only: a chunk that exists holds these very bytes (same hash, same cut), so "exists" is success.
            await store.PutAsync(kind, Id(i), body, 0, cancellationToken);
        }

        return chunks;
    }

    /// <summary>Reads a zip back, from this node's recent ones or the store, and checks it against its hash.</summary>
    public Task<byte[]> ReadAsync(string sha256, int chunks, CancellationToken cancellationToken)
    {
        lock (_recent)
        {
            if (_recent.TryGetValue(sha256, out var known) && !known.IsFaulted && !known.IsCanceled)
            {
                return known;
            }

            var reading = ReadFromStoreAsync(sha256, chunks, cancellationToken);
            if (!_recent.ContainsKey(sha256))
            {
                _order.Enqueue(sha256);
            }

            _recent[sha256] = reading;
            while (_order.Count > Recent && _order.TryDequeue(out var oldest))
            {
                _recent.Remove(oldest);
            }

            return reading;
        }
    }

    private async Task<byte[]> ReadFromStoreAsync(string sha256, int chunks, CancellationToken cancellationToken)
    {
        var documents = await store.ListAsync(Kind(sha256), cancellationToken);
        if (documents.Count != chunks)
        {
            throw new InvalidOperationException($"The store holds {documents.Count} of the {chunks} chunks of code {sha256}.");
        }

        var parts = documents.Select(d => Convert.FromBase64String(d.Body)).ToList();
        var zip = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(zip, offset);
            offset += part.Length;
        }

        return Sha256(zip) == sha256 ? zip : throw new InvalidOperationException($"The stored code does not match its hash {sha256}.");
    }

    /// <summary>Chunk ids sort in order (the store lists by id).</summary>
    private static string Id(int index) => index.ToString("D5", CultureInfo.InvariantCulture);
}
