using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Game.Server.Storage.Sqlite;

/// <summary>
/// The embedded store's writer: one connection, and every write of every adapter through it, one after another.
/// </summary>
/// <remarks>
/// Group commit, as the ingest stream does it: the writer takes every write queued while the last commit was on
/// its way to the disk and runs them in one transaction, each inside its own savepoint, so one write that fails
/// (a lost lease, a cancelled caller) is rolled back alone and the others still commit. A write's task completes
/// only after the commit that carries it, so what a caller saw succeed is on disk. The profile of a saturated run
/// had the one-commit-per-write store busy 88 % of the time (docs/performance.md).
/// </remarks>
internal sealed class SqliteGroupCommit : IDisposable
{
    /// <summary>Writes one commit carries at most, so a flood of writes still gets answered in steps.</summary>
    private const int MaxWritesPerCommit = 256;

    private readonly SqliteConnection _connection;
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writeLoop;

    /// <summary>Starts writing through <paramref name="connection"/>, which stays the caller's to dispose (after this).</summary>
    public SqliteGroupCommit(SqliteConnection connection)
    {
        _connection = connection;
        _writeLoop = Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work, cancellationToken);
        return _writes.Writer.TryWrite(write) ? write.Completion.Task : throw new ObjectDisposedException(nameof(SqliteDatabase));
    }

    /// <summary>Writes already queued are still committed; later ones are refused.</summary>
    public void Dispose()
    {
        _writes.Writer.TryComplete();
        _writeLoop.Wait(TimeSpan.FromSeconds(10));
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>(MaxWritesPerCommit);
        while (await _writes.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxWritesPerCommit && _writes.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync();
                foreach (var write in batch)
                {
                    if (write.CancellationToken.IsCancellationRequested)
                    {
                        write.Cancel();
                        continue;
                    }

                    await transaction.SaveAsync("write");
                    try
                    {
                        await write.RunAsync(_connection, transaction);
                        await transaction.ReleaseAsync("write");
                    }
                    catch (Exception ex)
                    {
                        // Should the rollback itself fail, the whole batch fails below.
                        await transaction.RollbackAsync("write");
                        await transaction.ReleaseAsync("write");
                        write.Fail(ex);
                    }
                }

                await transaction.CommitAsync();
                foreach (var write in batch)
                {
                    write.Complete();
                }
            }
            catch (Exception ex)
            {
                // The commit (or the disk under it) failed: nothing of this batch is durable.
                foreach (var write in batch)
                {
                    write.Fail(ex);
                }
            }
        }
    }

    /// <summary>A queued write: its work, run inside the writer's transaction, and the task its caller awaits.</summary>
    private abstract class PendingWrite(CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;

        public abstract Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        /// <summary>After the commit: the caller gets the work's result (a write that failed or was cancelled keeps that).</summary>
        public abstract void Complete();

        public abstract void Fail(Exception exception);

        public abstract void Cancel();
    }

    private sealed class PendingWrite<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
        : PendingWrite(cancellationToken)
    {
        private T? _result;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) =>
            _result = await work(connection, transaction);

        public override void Complete() => Completion.TrySetResult(_result!);

        public override void Fail(Exception exception) => Completion.TrySetException(exception);

        public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
    }
}
