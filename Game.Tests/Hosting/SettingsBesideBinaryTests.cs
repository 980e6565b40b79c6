using Game.Tests.Infrastructure;

namespace Game.Tests.Hosting;

public sealed class SettingsBesideBinaryTests
{
    [Fact]
    public async Task Server_StartedFromAFolderWithoutSettings_UsesTheAppSettingsBesideItsBinary()
    {
        var elsewhere = Directory.CreateTempSubdirectory("game-cwd-");
        try
        {
            await using var server = new ServerProcess(workingDirectory: elsewhere.FullName);
            await server.StartAsync();

            // The output is read as it comes: wait for the start to be logged, and a moment more.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!server.Output.Contains("Now listening on", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"The server never said it was listening:\n{server.Output}");
                await Task.Delay(50);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));

            // The shipped appsettings.json turns Orleans' start-up chatter down to warnings; on code defaults the
            // silo logs dozens of "info: Orleans…" lines (and the score mapping runs with BatchSize 100, unseen).
            Assert.DoesNotContain("info: Orleans", server.Output);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }
}
