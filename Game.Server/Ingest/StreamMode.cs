namespace Game.Server.Ingest;

/// <summary>How a stream's capacity is managed (Kinesis' <c>StreamModeDetails.StreamMode</c>).</summary>
public enum StreamMode
{
    PROVISIONED,
    ON_DEMAND,
}
