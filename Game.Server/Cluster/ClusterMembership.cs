using Orleans.Configuration;

namespace Game.Server.Cluster;

/// <summary>
/// Membership timings for a live show, applied to a clustered node (docs/scale-out.md says why each one). Orleans'
/// defaults suit a data centre that must not evict a slow silo; a show would rather lose a node's phones for a few
/// seconds (they reconnect and resend) than route calls to a dead node for half a minute.
/// </summary>
public static class ClusterMembership
{
    /// <summary>Probe each watched node every 2 s (Orleans: 5 s); adaptive timeouts stay within 1–8 s.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Two missed probes make a node suspect (Orleans: 3); with two votes it is dead in about 4–6 s.</summary>
    public const int NumMissedProbesLimit = 2;

    /// <summary>Heartbeat into the table every 5 s (Orleans: 30 s), so stale rows are recognised after 10 s.</summary>
    public static readonly TimeSpan IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Two missed heartbeats: a row not refreshed for 10 s (Orleans: 60 s) is stale.</summary>
    public const int NumMissedTableIAmAliveLimit = 2;

    /// <summary>Re-read the table every 10 s (Orleans: 60 s): a node that missed a gossip (Redis restart) catches up quickly.</summary>
    public static readonly TimeSpan TableRefreshTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Suspicion votes expire after 30 s (Orleans: 2 min), so an old vote cannot add up with a new one.</summary>
    public static readonly TimeSpan DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A node that cannot join within a minute stops (Orleans: 5 min): an operator sees it before the show.</summary>
    public static readonly TimeSpan MaxJoinAttemptTime = TimeSpan.FromMinutes(1);

    /// <summary>Dead rows kept at least 5 min (Orleans: 1 h; must exceed <see cref="MaxJoinAttemptTime"/>).</summary>
    public static readonly TimeSpan DefunctSiloMinimumRetention = TimeSpan.FromMinutes(5);

    /// <summary>Dead rows removed after 10 min (Orleans: a week), checked every minute (Orleans: an hour).</summary>
    public static readonly TimeSpan DefunctSiloExpiration = TimeSpan.FromMinutes(10);

    public static readonly TimeSpan DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Applies the timings above.</summary>
    public static void ForLiveShow(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = NumMissedProbesLimit;
        options.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout;
        options.NumMissedTableIAmAliveLimit = NumMissedTableIAmAliveLimit;
        options.TableRefreshTimeout = TableRefreshTimeout;
        options.DeathVoteExpirationTimeout = DeathVoteExpirationTimeout;
        options.MaxJoinAttemptTime = MaxJoinAttemptTime;
        options.DefunctSiloMinimumRetention = DefunctSiloMinimumRetention;
        options.DefunctSiloExpiration = DefunctSiloExpiration;
        options.DefunctSiloCleanupPeriod = DefunctSiloCleanupPeriod;
    }
}
