namespace Game.Tests.Storage;

/// <summary>
/// What the port contracts share: each test gets a fresh, empty store of one technology (so every assertion can
/// be exact) and a time limit.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _timeout = new(TestTimeout);
    private ITestStore? _store;

    protected ITestStore TestStore => _store ?? throw new InvalidOperationException("The store is not initialised.");

    protected CancellationToken Token => _timeout.Token;

    /// <summary>A new, empty, initialised store, which removes what it created when disposed.</summary>
    protected abstract Task<ITestStore> CreateStoreAsync(CancellationToken cancellationToken);

    public async Task InitializeAsync() => _store = await CreateStoreAsync(Token);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _timeout.Dispose();
    }

    protected static DateTimeOffset At(int seconds) => new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero).AddSeconds(seconds);
}
