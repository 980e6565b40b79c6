using System.ComponentModel.DataAnnotations;

namespace Game.Server.Functions.ControlPlane;

/// <summary>How the control plane's configuration reaches this node (<c>ControlPlane</c>).</summary>
public sealed class ControlPlaneOptions
{
    public const string Section = "ControlPlane";

    /// <summary>
    /// How often this node reads the functions' configurations and mappings from the store, seconds. A change made
    /// through another node applies here within this time (through this node: at once). Default 1.
    /// </summary>
    [Range(0.05, 60.0)]
    public double RefreshIntervalSeconds { get; set; } = 1;
}
