using System.ComponentModel.DataAnnotations;

namespace Game.Server.EventSources.Leases;

/// <summary>How shard leases move between nodes, bound from <c>Ingest:Leases</c> (see docs/functions.md).</summary>
public sealed class LeaseOptions
{
    public const string Section = "Ingest:Leases";

    /// <summary>
    /// A lease whose renewals nobody saw change for this long is expired and taken by another node; holders renew
    /// every third of it. Default 10 s (the KCL's default failover time).
    /// </summary>
    [Range(1, 3600)]
    public int FailoverSeconds { get; set; } = 10;

    /// <summary>
    /// This node as a lease owner. Default: the machine name and a hash of the data directory
    /// (<c>Game:DataDirectory</c>), so a restarted node knows its own leases and takes them back at once instead of
    /// waiting for them to expire. Two live nodes must never share one.
    /// </summary>
    [RegularExpression("^[^\\s]{1,200}$")]
    public string? OwnerId { get; set; }

    /// <summary>The failover time.</summary>
    public TimeSpan Failover => TimeSpan.FromSeconds(FailoverSeconds);

    /// <summary>How often held leases are renewed and the table is scanned: a third of the failover time, as the KCL renews.</summary>
    public TimeSpan RenewInterval => Failover / 3;
}
