using System.Net;
using System.Text.Json;
using Game.Server.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace Game.Tests.Hosting;

/// <summary><c>/health</c> reports the stream's writer: a node that cannot append must say so.</summary>
[Collection(InProcessHostCollection.Name)]
public sealed class HealthTests(InProcessHostFixture fixture)
{
    [Fact]
    public async Task Health_WriterCommitFails_Answers503NamingTheWriter_ThenOkOnceACommitSucceeds()
    {
        using var http = fixture.Host.CreateClient();
        var stream = fixture.Host.Services.GetRequiredService<IngestStream>();

        // A record without a partition key: routed by its hash key, it fails inside the writer's transaction
        // with an error that is neither SQLite's nor the disk's.
        var refused = await stream.AppendAsync([new AppendRequest(null!, new byte[] { 1 }, ExplicitHashKey: 0)]).WaitAsync(TimeSpan.FromSeconds(10));
        using var unhealthy = await http.GetAsync("/health");
        var body = JsonDocument.Parse(await unhealthy.Content.ReadAsStringAsync()).RootElement;

        var written = await stream.AppendAsync([new AppendRequest("p", new byte[] { 2 })]).WaitAsync(TimeSpan.FromSeconds(10));
        using var healthy = await http.GetAsync("/health");

        Assert.Equal("InternalFailure", Assert.Single(refused).ErrorCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.StatusCode);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        var check = Assert.Single(body.GetProperty("checks").EnumerateArray());
        Assert.Equal(StreamWriterHealthCheck.Name, check.GetProperty("name").GetString());
        Assert.StartsWith("The stream's last commit failed (its appends were refused): ", check.GetProperty("description").GetString());
        Assert.True(Assert.Single(written).Succeeded);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await healthy.Content.ReadAsStringAsync());
    }
}
