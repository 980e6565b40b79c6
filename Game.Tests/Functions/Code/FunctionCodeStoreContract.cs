using System.Security.Cryptography;
using Game.Server.Functions.ControlPlane;
using Game.Tests.Storage;

namespace Game.Tests.Functions.Code;

/// <summary>
/// Deployed zips kept through the control-plane port (<see cref="FunctionCodeStore"/>), on each technology: cut in
/// chunks small enough for a DynamoDB item, read back whole on any node.
/// </summary>
public abstract class FunctionCodeStoreContract : StoreContract
{
    [Fact]
    public async Task WriteThenRead_ZipOfSeveralChunks_ReadsBackTheSameBytesOnAnotherNode()
    {
        var zip = RandomNumberGenerator.GetBytes((2 * FunctionCodeStore.ChunkBytes) + 1234);
        var sha = FunctionCodeStore.Sha256(zip);

        var chunks = await new FunctionCodeStore(TestStore.ControlPlane).WriteAsync(zip, sha, Token);
        var read = await new FunctionCodeStore(TestStore.ControlPlane).ReadAsync(sha, chunks, Token);

        Assert.Equal(3, chunks);
        Assert.Equal(zip, read);
        Assert.All(await TestStore.ControlPlane.ListAsync(FunctionCodeStore.Kind(sha), Token), chunk => Assert.True(chunk.Body.Length < 400_000));
    }

    [Fact]
    public async Task Write_SameZipTwice_KeepsOneCopyOfEachChunk()
    {
        var zip = RandomNumberGenerator.GetBytes(FunctionCodeStore.ChunkBytes + 1);
        var sha = FunctionCodeStore.Sha256(zip);
        var store = new FunctionCodeStore(TestStore.ControlPlane);

        await store.WriteAsync(zip, sha, Token);
        await store.WriteAsync(zip, sha, Token);

        Assert.Equal([("00000", 1L), ("00001", 1L)], (await TestStore.ControlPlane.ListAsync(FunctionCodeStore.Kind(sha), Token)).Select(c => (c.Id, c.Revision)));
    }

    [Fact]
    public async Task Read_ChunkMissing_Throws()
    {
        var zip = RandomNumberGenerator.GetBytes(FunctionCodeStore.ChunkBytes + 1);
        var sha = FunctionCodeStore.Sha256(zip);
        await new FunctionCodeStore(TestStore.ControlPlane).WriteAsync(zip, sha, Token);
        await TestStore.ControlPlane.DeleteAsync(FunctionCodeStore.Kind(sha), "00001", 1, Token);

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => new FunctionCodeStore(TestStore.ControlPlane).ReadAsync(sha, 2, Token));

        Assert.Equal($"The store holds 1 of the 2 chunks of code {sha}.", missing.Message);
    }
}
