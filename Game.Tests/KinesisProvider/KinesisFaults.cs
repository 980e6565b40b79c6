using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Game.Server.Ingest.KinesisStream;
using Game.Tests.Ingest.KinesisStream;

namespace Game.Tests.KinesisProvider;

/// <summary>
/// Sits in front of the real Kinesis endpoint inside the server's Kinesis client and, when told, answers calls
/// itself the way a troubled Kinesis would: GetRecords with ExpiredIteratorException or
/// ProvisionedThroughputExceededException a given number of times, or every call with a lost connection for a
/// while (an outage). Counts every call per operation.
/// </summary>
public sealed class KinesisFaults : DelegatingHandler
{
    private int _expireGetRecords;
    private int _throttleGetRecords;
    private long _outageUntilTicks;
    private int _expiredAnswered;
    private int _throttledAnswered;
    private int _outageFailures;

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public int CallsOf(string operation) => Calls.GetValueOrDefault(operation);

    public int ExpiredAnswered => Volatile.Read(ref _expiredAnswered);

    public int ThrottledAnswered => Volatile.Read(ref _throttledAnswered);

    public int OutageFailures => Volatile.Read(ref _outageFailures);

    /// <summary>The next <paramref name="times"/> GetRecords calls answer ExpiredIteratorException.</summary>
    public void ExpireIterators(int times) => Interlocked.Exchange(ref _expireGetRecords, times);

    /// <summary>The next <paramref name="times"/> GetRecords calls answer ProvisionedThroughputExceededException.</summary>
    public void ThrottleGetRecords(int times) => Interlocked.Exchange(ref _throttleGetRecords, times);

    /// <summary>Every call fails with a lost connection for <paramref name="duration"/> from now.</summary>
    public void Outage(TimeSpan duration) => Interlocked.Exchange(ref _outageUntilTicks, (DateTime.UtcNow + duration).Ticks);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var operation = CountingHandler.Operation(request);
        Calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        if (DateTime.UtcNow.Ticks < Interlocked.Read(ref _outageUntilTicks))
        {
            Interlocked.Increment(ref _outageFailures);
            throw new HttpRequestException("Connection refused (injected outage).");
        }

        if (operation == "GetRecords" && Interlocked.Decrement(ref _expireGetRecords) >= 0)
        {
            Interlocked.Increment(ref _expiredAnswered);
            return Task.FromResult(Error("ExpiredIteratorException", "Iterator expired (injected)."));
        }

        if (operation == "GetRecords" && Interlocked.Decrement(ref _throttleGetRecords) >= 0)
        {
            Interlocked.Increment(ref _throttledAnswered);
            return Task.FromResult(Error("ProvisionedThroughputExceededException", "Rate exceeded for shard (injected)."));
        }

        return base.SendAsync(request, cancellationToken);
    }

    private static HttpResponseMessage Error(string type, string message)
    {
        var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent($$"""{"__type":"{{type}}","message":"{{message}}"}""", Encoding.UTF8, KinesisClient.ContentType),
        };
        response.Headers.Add("x-amzn-RequestId", "injected");
        return response;
    }
}
