using Game.Functions.Contracts;
using Game.Server.Storage;

namespace Game.Tests.Storage;

/// <summary>The store contract against the embedded store, one temporary file per test.</summary>
public sealed class SqliteGameStoreContractTests : GameStoreContract
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"game-store-{Guid.NewGuid():N}.db");

    protected override IGameStore CreateStore() => new SqliteGameStore(_path);

    protected override Task DeleteStoreAsync()
    {
        // Pooled connections may still hold the file; on Linux it can be unlinked all the same.
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }
}
