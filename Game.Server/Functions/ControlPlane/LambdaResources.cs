using Game.Server.Auth;

namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// What Lambda's routes act on, as IAM names it (<see cref="IamEndpoints.WithIamAction{TBuilder}"/>): a function, by the
/// same reading of <c>{functionName}</c> (a name, a partial or a full ARN) the handlers use, so the ARN checked is
/// the function that runs; or an event source mapping, by its UUID.
/// </summary>
public static class LambdaResources
{
    /// <summary><c>arn:aws:lambda:{region}:000000000000:function:{name}</c> for the route's <c>{functionName}</c>.</summary>
    public static readonly IamResource Function = (values, region) =>
        LambdaRequests.FunctionArn(region, LambdaRequests.FunctionName(values.GetValueOrDefault("functionName") as string ?? ""));

    /// <summary><c>arn:aws:lambda:{region}:000000000000:event-source-mapping:{uuid}</c> for the route's <c>{uuid}</c>.</summary>
    public static readonly IamResource EventSourceMapping = (values, region) =>
        $"arn:aws:lambda:{region}:{LambdaRequests.AccountId}:event-source-mapping:{values.GetValueOrDefault("uuid") as string}";
}
