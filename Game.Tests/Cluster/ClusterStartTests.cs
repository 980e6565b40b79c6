using Game.Tests.Infrastructure;

namespace Game.Tests.Cluster;

/// <summary>
/// The real host refuses to start as a clustered node with a node-local part or without the shared secrets, and
/// says which setting to change. The check runs before the silo joins, so these need no Redis.
/// </summary>
public sealed class ClusterStartTests
{
    [Fact]
    public async Task Start_RedisClusteringWithEmbeddedStore_FailsNamingStorageProvider()
    {
        var settings = ClusterNode();
        settings["Storage:Provider"] = "Embedded";

        var messages = await StartFailureAsync(settings);

        Assert.Contains("Storage:Provider is Embedded: the embedded store is node-local; with Orleans:Clustering:ProviderType=Redis set Storage:Provider=DynamoDb", messages);
    }

    [Fact]
    public async Task Start_RedisClusteringWithoutPlayerTokenKey_FailsNamingIt()
    {
        var settings = ClusterNode();
        settings.Remove("Game:PlayerTokenKey");

        var messages = await StartFailureAsync(settings);

        Assert.Contains("Game:PlayerTokenKey is not set: with Orleans:Clustering:ProviderType=Redis every node needs the same player-token key", messages);
        Assert.DoesNotContain("Storage:Provider is", messages);
    }

    /// <summary>Every message in an exception and its inner ones (options validation wraps them).</summary>
    internal static string Messages(Exception error)
    {
        var messages = new List<string>();
        void Walk(Exception e)
        {
            messages.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                aggregate.InnerExceptions.ToList().ForEach(Walk);
            }
            else if (e.InnerException is { } inner)
            {
                Walk(inner);
            }
        }

        Walk(error);
        return string.Join("\n", messages);
    }

    internal static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A clustered node that would pass the check: the tests take one thing away. Redis is never reached.</summary>
    private static Dictionary<string, string?> ClusterNode() => new()
    {
        ["Orleans:Clustering:ProviderType"] = "Redis",
        ["Orleans:Clustering:ServiceKey"] = "redis",
        ["ConnectionStrings:redis"] = "127.0.0.1:9",
        ["Storage:Provider"] = "DynamoDb",
        ["Storage:DynamoDb:ServiceUrl"] = "http://127.0.0.1:9",
        // The embedded stream through the tests-only escape hatch, so these tests do not depend on the Kinesis
        // provider's own settings (issue #14).
        ["Cluster:AllowNodeLocalStream"] = "true",
        ["Game:PlayerTokenKey"] = "0123456789abcdef0123456789abcdef",
    };

    private static async Task<string> StartFailureAsync(Dictionary<string, string?> settings)
    {
        await using var server = new InProcessServer(settings, []);
        var error = Record.Exception(() => server.CreateClient());
        DeleteQuietly(server.DataDirectory);
        Assert.NotNull(error);
        return Messages(error);
    }
}
