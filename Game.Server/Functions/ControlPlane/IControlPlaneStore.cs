namespace Game.Server.Functions.ControlPlane;

/// <summary>One stored piece of control-plane configuration: a function's or a mapping's, as JSON, with its revision.</summary>
/// <param name="Kind">What it configures: <see cref="ControlPlaneKinds.Function"/> or <see cref="ControlPlaneKinds.Mapping"/>.</param>
/// <param name="Id">The function's name, or the mapping's UUID.</param>
/// <param name="Revision">1 when created, bumped by every write: the condition of the next write.</param>
/// <param name="Body">The configuration as JSON (the adapters do not read it).</param>
public sealed record ControlPlaneDocument(string Kind, string Id, long Revision, string Body);

/// <summary>The kinds of <see cref="ControlPlaneDocument"/>.</summary>
public static class ControlPlaneKinds
{
    public const string Function = "function";

    public const string Mapping = "mapping";
}

/// <summary>
/// The control plane's storage port: functions' configurations and event source mappings, so that a change made
/// through the Lambda API survives restarts and reaches every node. Implemented by the embedded file store and
/// DynamoDB (Game.Server/Storage/Sqlite, Game.Server/Storage/DynamoDb); both pass the same contract tests.
/// </summary>
/// <remarks>
/// Every write is conditional on the revision the writer read (optimistic concurrency, as Lambda's RevisionId):
/// two nodes changing one document at once cannot both win, and seeding from appsettings.json on two nodes that
/// start together writes once. No transactions across documents.
/// </remarks>
public interface IControlPlaneStore
{
    /// <summary>Every document of one kind, read consistently, in id order.</summary>
    Task<IReadOnlyList<ControlPlaneDocument>> ListAsync(string kind, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="body"/> when the stored revision is still <paramref name="expectedRevision"/> (0: only
    /// when no such document exists yet), bumping the revision.
    /// </summary>
    /// <returns>The document as written, or null when the revision moved (or the document exists, for 0): nothing was written.</returns>
    Task<ControlPlaneDocument?> PutAsync(string kind, string id, string body, long expectedRevision, CancellationToken cancellationToken);

    /// <summary>Deletes the document when its revision is still <paramref name="expectedRevision"/>.</summary>
    /// <returns>False when it was gone or had moved on: nothing was deleted.</returns>
    Task<bool> DeleteAsync(string kind, string id, long expectedRevision, CancellationToken cancellationToken);
}
