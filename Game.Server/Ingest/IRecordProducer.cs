namespace Game.Server.Ingest;

/// <summary>
/// The one way records enter the stream, whichever stream it is (<c>Ingest:Provider</c>): the embedded stream
/// (<see cref="EmbeddedRecordProducer"/>) or a Kinesis stream (<see cref="KinesisStream.KinesisProducer"/>).
/// </summary>
/// <remarks>
/// An append answers only once the stream acknowledged the record durably, with its shard id and sequence
/// number; or with a refusal (<see cref="AppendResult.ErrorCode"/>, e.g. ProvisionedThroughputExceededException
/// when the stream or the producer is full) that the caller may retry later. Per partition key, records are
/// stored in the order their appends were made, and a key's record is not sent while its previous one is
/// unacknowledged. Cancelling the token stops the wait, not the write: a record already handed on may still be stored.
/// </remarks>
public interface IRecordProducer
{
    /// <summary>Appends one record and answers its outcome.</summary>
    Task<AppendResult> AppendAsync(AppendRequest record, CancellationToken cancellationToken = default);

    /// <summary>Appends several records (a PutRecords call); the answers are in the order of <paramref name="records"/>.</summary>
    Task<AppendResult[]> AppendAsync(IReadOnlyList<AppendRequest> records, CancellationToken cancellationToken = default);
}
