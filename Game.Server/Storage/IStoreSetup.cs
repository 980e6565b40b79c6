namespace Game.Server.Storage;

/// <summary>A store technology's one-time set-up: its tables or its file, created when missing.</summary>
/// <remarks>Run once at start-up (<see cref="StorageExtensions.AddGameStore"/>), before any port is used.</remarks>
public interface IStoreSetup
{
    Task InitializeAsync(CancellationToken cancellationToken);
}
