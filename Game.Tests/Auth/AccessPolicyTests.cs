using Game.Server.Auth;

namespace Game.Tests.Auth;

/// <summary>The permission matcher: IAM's wildcards, case rules, and what a resource limit covers.</summary>
public sealed class AccessPolicyTests
{
    [Theory]
    [InlineData("kinesis:PutRecords", "kinesis:PutRecords", true)]
    [InlineData("kinesis:PutRecords", "kinesis:PutRecord", false)]
    [InlineData("kinesis:PutRecord", "kinesis:PutRecords", false)]
    [InlineData("kinesis:PutRecord*", "kinesis:PutRecords", true)]
    [InlineData("kinesis:PutRecord*", "kinesis:PutRecord", true)]
    [InlineData("kinesis:*", "kinesis:SubscribeToShard", true)]
    [InlineData("kinesis:*", "lambda:InvokeFunction", false)]
    [InlineData("lambda:Get*", "lambda:GetFunctionConfiguration", true)]
    [InlineData("lambda:Get*", "lambda:ListFunctions", false)]
    [InlineData("lambda:*EventSourceMapping", "lambda:UpdateEventSourceMapping", true)]
    [InlineData("lambda:*EventSourceMapping", "lambda:ListEventSourceMappings", false)]
    [InlineData("lambda:*Function*", "lambda:PutFunctionConcurrency", true)]
    [InlineData("lambda:Get?unction", "lambda:GetFunction", true)]
    [InlineData("lambda:Get?unction", "lambda:GetFFunction", false)]
    // IAM compares action names without regard to case.
    [InlineData("Kinesis:putrecords", "kinesis:PutRecords", true)]
    [InlineData("*", "lambda:UpdateFunctionCode", true)]
    public void Allows_ActionPattern_MatchesAsIam(string pattern, string action, bool allowed) =>
        Assert.Equal(allowed, new AccessPolicy([pattern], []).Allows(action, "arn:aws:lambda:us-east-1:000000000000:function:score"));

    [Theory]
    [InlineData("arn:aws:lambda:*:*:function:player-rank", "arn:aws:lambda:us-east-1:000000000000:function:player-rank", true)]
    [InlineData("arn:aws:lambda:*:*:function:player-rank", "arn:aws:lambda:us-east-1:000000000000:function:score", false)]
    // A function ARN pattern does not reach a longer name that starts the same.
    [InlineData("arn:aws:lambda:*:*:function:player-rank", "arn:aws:lambda:us-east-1:000000000000:function:player-rank-v2", false)]
    [InlineData("arn:aws:lambda:eu-west-1:*:function:*", "arn:aws:lambda:us-east-1:000000000000:function:score", false)]
    [InlineData("arn:aws:kinesis:*:*:stream/motion", "arn:aws:kinesis:us-east-1:000000000000:stream/motion", true)]
    [InlineData("arn:aws:kinesis:*:*:stream/motion", "arn:aws:kinesis:us-east-1:000000000000:stream/motion/consumer/c1:1700000000", false)]
    [InlineData("arn:aws:kinesis:*:*:stream/motion*", "arn:aws:kinesis:us-east-1:000000000000:stream/motion/consumer/c1:1700000000", true)]
    // Resources compare with case, as ARNs do in IAM.
    [InlineData("arn:aws:lambda:*:*:function:Score", "arn:aws:lambda:us-east-1:000000000000:function:score", false)]
    // An operation on no named resource (ListFunctions) is on *, which only * covers.
    [InlineData("arn:aws:lambda:*:*:function:*", "*", false)]
    [InlineData("*", "*", true)]
    [InlineData("*", "arn:aws:kinesis:us-east-1:000000000000:stream/motion", true)]
    public void Allows_ResourcePattern_MatchesAsIam(string pattern, string resource, bool allowed) =>
        Assert.Equal(allowed, new AccessPolicy(["*"], [pattern]).Allows("lambda:InvokeFunction", resource));

    [Fact]
    public void Allows_NoResources_MeansEveryResource() =>
        Assert.True(new AccessPolicy(["lambda:ListFunctions"], []).Allows("lambda:ListFunctions", "*"));

    [Fact]
    public void Allows_ActionAndResourceMustBothMatch()
    {
        var policy = new AccessPolicy(["lambda:InvokeFunction"], ["arn:aws:lambda:*:*:function:player-rank"]);

        Assert.True(policy.Allows("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:player-rank"));
        Assert.False(policy.Allows("lambda:GetFunction", "arn:aws:lambda:us-east-1:000000000000:function:player-rank"));
        Assert.False(policy.Allows("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:score"));
    }

    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "*", true)]
    [InlineData("*", "arn:aws:lambda:*:*:function:*", false)]
    [InlineData("kinesis:* lambda:*", "", false)]
    public void AllowsEverything_OnlyStarWithoutAResourceLimit(string actions, string resources, bool everything) =>
        Assert.Equal(everything, new AccessPolicy(actions.Split(' ', StringSplitOptions.RemoveEmptyEntries), resources.Split(' ', StringSplitOptions.RemoveEmptyEntries)).AllowsEverything);

    [Theory]
    [InlineData("", "", true)]
    [InlineData("*", "", true)]
    [InlineData("?", "", false)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "aXbYcZ", false)]
    [InlineData("*a", "aaaa", true)]
    [InlineData("a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    public void Matches_Edges(string pattern, string value, bool matches) =>
        Assert.Equal(matches, AccessPolicy.Matches(pattern, value, ignoreCase: false));
}
