namespace Game.Functions.Runtime;

/// <summary>
/// Where an invocation's log (START … END, REPORT) goes once it ends: the function's own log, as Lambda writes to the
/// function's log group, never the operator's console. The host supplies it; without one the log only travels back
/// to the caller (<c>X-Amz-Log-Type: Tail</c>).
/// </summary>
public interface IFunctionLogSink
{
    /// <summary>Takes one invocation's log, newline-terminated lines. Must not block the invocation.</summary>
    void Write(string functionName, string log);
}
