using System.Net;
using Game.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Game.Tests.Hosting;

/// <summary><c>/metrics</c> behind <c>Game:MetricsKey</c>; without one, for this machine only.</summary>
[Collection(InProcessHostCollection.Name)]
public sealed class MetricsKeyTests(InProcessHostFixture fixture)
{
    [Fact]
    public async Task Metrics_KeySetAndNotSent_Answers401ProblemAndNoMetrics()
    {
        using var http = fixture.Host.CreateClient();

        using var response = await http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("/metrics needs the metrics key: Authorization: Bearer <key>.", body);
        Assert.DoesNotContain("dotnet_process", body);
    }

    [Fact]
    public async Task Metrics_WrongKey_Answers401()
    {
        using var http = fixture.Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-key");

        using var response = await http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_WithTheKey_AnswersPrometheusText()
    {
        using var http = fixture.Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", InProcessHostFixture.MetricsKey);

        using var response = await http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("dotnet_process_memory_working_set_bytes", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("192.168.1.20", false)]
    [InlineData("2001:db8::5", false)]
    public void IsAllowed_NoKeySet_OnlyLoopbackCallers(string remote, bool allowed)
    {
        var context = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse(remote) } };

        Assert.Equal(allowed, Telemetry.IsAllowed(context, key: null));
    }
}
