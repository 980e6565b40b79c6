namespace Game.Tests.Ingest.Kinesis;

/// <summary>
/// Enhanced fan-out on our server through AWS' JavaScript SDK, over HTTP/2 on the same plain-http port as HTTP/1.1
/// (Game.Tests/node/fanout-cases.js). Expectations are Kinesis' answers.
/// </summary>
public sealed class GameServerFanOutSdkTests(GameServerFanOutFixture fixture) : IClassFixture<GameServerFanOutFixture>
{
    [Fact]
    public void StreamConsumers_RegisterDescribeListDeregister_KeepKinesisStatesLimitsAndErrors() =>
        fixture.AssertCase("consumers", $$"""
            {"Registered":{"ConsumerName":"c-01","ConsumerStatus":"CREATING","ArnHasKinesisForm":true,"HasCreationTimestamp":true},
             "RegisterAgain":"ResourceInUseException","BecameActive":"ACTIVE","DescribedStreamArn":true,"ByNameSameArn":true,
             "Pages":[["c-01","c-02"],["c-03"]],"SecondPageHasNextToken":false,"ConsumerCount":3,
             "UnknownName":"ResourceNotFoundException","ArnOfAnotherEpoch":"ResourceNotFoundException","NeitherArnNorName":"InvalidArgumentException",
             "BadName":"ValidationException","NoStreamArn":"ValidationException","UnknownStream":"ResourceNotFoundException",
             "Registering4To21":[{{string.Join(",", Enumerable.Repeat("\"ok\"", 17))}},"LimitExceededException"],
             "Deregister":"ok","Gone":"ResourceNotFoundException","DeregisterAgain":"ResourceNotFoundException","RegisteredAgainWithNewArn":true,
             "DeregisterByStreamAndName":"ok"}
            """);

    /// <remarks>The case closes the subscription with its abort signal; the SDK then ends the iteration without an error ("done").</remarks>
    [Fact]
    public void SubscribeToShard_Latest_PushesLaterRecordsInOrderWithContinuations() =>
        fixture.AssertCase("subscribeLatest", """
            {"Read":["l-1","l-2","l-3","l-4","l-5"],"SameSequenceNumbers":true,"ContinuationIsLastRecord":true,"EveryEventHasContinuation":true,
             "MillisBehindLatestAtTip":0,"EndedBy":"done"}
            """);

    [Fact]
    public void SubscribeToShard_TrimHorizon_DeliversTheBacklogThenNewRecords() =>
        fixture.AssertCase("subscribeTrimHorizon", """{"Early":["t-1","t-2","t-3","t-4"],"All":["t-1","t-2","t-3","t-4","t-5"],"FirstEventBeforeAnyWait":4}""");

    [Fact]
    public void SubscribeToShard_StartingPositions_StartWhereGetShardIteratorWouldAndRefuseTheSameMistakes() =>
        fixture.AssertCase("startingPositions", """
            {"At":["s-2","s-3","s-4"],"ContinuationIsTheLastRecord":true,"After":["s-3","s-4"],"AtTimestamp":["s-3","s-4"],
             "ResumedAfterContinuation":["s-5"],"TimestampInTheFuture":"InvalidArgumentException","AtWithoutSequenceNumber":"InvalidArgumentException",
             "UnknownShard":"ResourceNotFoundException","UnknownConsumer":"ResourceNotFoundException","BadType":"ValidationException",
             "WrongSecret":"InvalidSignatureException"}
            """);

    [Fact]
    public void SubscribeToShard_SecondSubscription_IsRefusedAtOnceAndTakesOverAfterTheWindow() =>
        fixture.AssertCase("oneSubscription", """
            {"Second":"ResourceInUseException","TakenOver":"ok","FirstEndedWith":"ResourceInUseException","ThirdReads":["one-1"],"FirstRead":[]}
            """);

    [Fact]
    public void SubscribeToShard_QuietShard_HeartbeatsAndEndsAfterItsLifetime() =>
        fixture.AssertCase("lifetime", """
            {"EndedBy":"done","NotBeforeTheLifetime":true,"SoonAfterTheLifetime":true,"EmptyEvents":true,"AtLeastTwoHeartbeats":true}
            """);

    [Fact]
    public void SubscribeToShard_SplitShard_EndsWithChildShardsAndNoContinuation() =>
        fixture.AssertCase("shardEnd", """
            {"Read":["before-split"],"EndedBy":"done","LastHasContinuation":false,
             "ChildShards":[["shardId-000000000001",["shardId-000000000000"],"0","170141183460469231731687303715884105727"],
                            ["shardId-000000000002",["shardId-000000000000"],"170141183460469231731687303715884105728","340282366920938463463374607431768211455"]],
             "ContinuationsBeforeTheEnd":true,"ChildRead":["after-split"]}
            """);

    [Fact]
    public void DeleteStream_WithConsumers_NeedsEnforceConsumerDeletionAndTakesThemAlong() =>
        fixture.AssertCase("deleteStreamWithConsumers", """
            {"WithoutEnforce":"ResourceInUseException","WithEnforce":"ok","SubscriptionEndedWith":"ResourceNotFoundException",
             "ListAfterDelete":"ResourceNotFoundException","ConsumersOfTheNewStream":0,"OldConsumer":"ResourceNotFoundException"}
            """);

    [Fact]
    public void PlainHttpPort_ServesHttp2AndHttp11Alike() =>
        fixture.AssertCase("bothProtocols", """
            {"ListStreamsOverHttp2":true,"ListStreamsOverHttp1":true,"HealthOverHttp1":"200 HTTP/1.1","HealthOverHttp2":"200 HTTP/2"}
            """);
}
