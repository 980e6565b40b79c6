using Game.Functions.Contracts;
using Game.Server.Hosting;
using Game.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Game.Tests.Storage;

public sealed class StorageExtensionsTests
{
    [Fact]
    public void AddGameStore_Embedded_DeadLetterStoreIsTheGameStoreInstance()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"game-store-di-{Guid.NewGuid():N}");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Game:DataDirectory"] = directory;
        builder.Services.AddSingleton<DataDirectory>();
        builder.AddGameStore();

        using (var services = builder.Services.BuildServiceProvider())
        {
            var store = services.GetRequiredService<IGameStore>();

            Assert.IsType<SqliteGameStore>(store);
            Assert.Same(store, services.GetRequiredService<IDeadLetterStore>());
        }

        Directory.Delete(directory, recursive: true);
    }
}
