using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Game.Server.Ingest.KinesisStream;

/// <summary>
/// The AWS SDK's default credential chain (environment, shared profile, web identity, container or instance
/// role), looked up at the first use rather than when the client is built, so that a missing chain is reported
/// by the start-up check with the settings to fix. A failed look-up is tried again next time.
/// </summary>
internal sealed class DefaultChainCredentials : AWSCredentials
{
    private readonly Lazy<AWSCredentials> _chain = new(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null), LazyThreadSafetyMode.PublicationOnly);

    public override ImmutableCredentials GetCredentials() => _chain.Value.GetCredentials();

    public override Task<ImmutableCredentials> GetCredentialsAsync() => _chain.Value.GetCredentialsAsync();
}
