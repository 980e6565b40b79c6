namespace Game.Server.Ingest;

/// <summary>
/// The producer port over the embedded stream: one call to <see cref="IngestStream.AppendAsync"/>, which group-commits
/// and answers once the records are on disk, keeping each call's order per shard (and so per partition key).
/// </summary>
public sealed class EmbeddedRecordProducer(IngestStream stream) : IRecordProducer
{
    public async Task<AppendResult> AppendAsync(AppendRequest record, CancellationToken cancellationToken = default) =>
        (await stream.AppendAsync([record]).WaitAsync(cancellationToken))[0];

    public Task<AppendResult[]> AppendAsync(IReadOnlyList<AppendRequest> records, CancellationToken cancellationToken = default) =>
        stream.AppendAsync(records).WaitAsync(cancellationToken);
}
