using System.Buffers;
using System.Security.Cryptography;

namespace Game.Server.Auth;

/// <summary>
/// A request body read into pooled memory and hashed (SHA-256) while it streams in, so a signature can be checked
/// without a second pass and without a fresh array per request. Read only after <see cref="SigV4Verifier.Begin"/>
/// passed and the declared length was checked against the operation's limit; dispose it to return the memory.
/// </summary>
public sealed class SignedBody : IDisposable
{
    /// <summary>First buffer for a body that declares no length (chunked); it doubles as the body grows.</summary>
    private const int InitialChunkedBytes = 16 * 1024;

    private byte[]? _buffer;

    private SignedBody(byte[] buffer, int length, byte[] sha256)
    {
        _buffer = buffer;
        Length = length;
        Sha256 = sha256;
    }

    public int Length { get; }

    /// <summary>The body; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(SignedBody))).AsMemory(0, Length);

    /// <summary>SHA-256 of the body, for <see cref="SigV4Pending.Complete"/>.</summary>
    public byte[] Sha256 { get; }

    /// <summary>
    /// Reads the whole body, at most <paramref name="maxBytes"/>. Throws <see cref="RequestBodyException"/> when
    /// the body is, or declares itself, larger than that, or when it is longer than its <c>Content-Length</c>.
    /// </summary>
    public static async Task<SignedBody> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > maxBytes)
        {
            throw new RequestBodyException(RequestBodyError.TooLarge);
        }

        // One byte of room beyond what may arrive tells "exactly at the limit" from "over it" without another read.
        var capacity = (int)Math.Min(maxBytes, declared ?? InitialChunkedBytes) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, length, read);
                length += read;
                if (length > declared)
                {
                    throw new RequestBodyException(RequestBodyError.LongerThanDeclared);
                }

                if (length > maxBytes)
                {
                    throw new RequestBodyException(RequestBodyError.TooLarge);
                }
            }

            return new SignedBody(buffer, length, hash.GetHashAndReset());
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>What was wrong with a request body's size.</summary>
public enum RequestBodyError
{
    /// <summary>Over the operation's limit, by its <c>Content-Length</c> or by what arrived.</summary>
    TooLarge,

    /// <summary>More bytes arrived than the <c>Content-Length</c> announced.</summary>
    LongerThanDeclared,
}

/// <summary>A body refused for its size; each endpoint answers it in its own protocol's error shape.</summary>
public sealed class RequestBodyException(RequestBodyError error) : Exception(error == RequestBodyError.TooLarge
    ? "The request body is larger than this operation accepts."
    : "The request body is longer than its Content-Length.")
{
    public RequestBodyError Error { get; } = error;
}
