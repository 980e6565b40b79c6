namespace Game.Functions.Runtime.Code;

/// <summary>
/// Code deployed for a function with CreateFunction or UpdateFunctionCode: the zip (named by its hash, as Lambda's
/// <c>CodeSha256</c>) and the class in it that the handler names.
/// </summary>
/// <param name="CodeSha256">Base64 SHA-256 of the zip, as Lambda reports it; a new zip is a new value.</param>
/// <param name="Handler"><c>Assembly::Namespace.Class::FunctionHandler</c>, Lambda's .NET form (see <see cref="FunctionPackage"/>).</param>
public sealed record DeployedCode(string CodeSha256, string Handler);

/// <summary>
/// Where the runtime finds deployed code (the host's control plane, read from the store so every node runs the same
/// code). Read once per invocation: new code applies to the next invocation, in a fresh environment.
/// </summary>
public interface IFunctionCodeSource
{
    /// <summary>The code deployed for the function now, or null when it runs the class compiled into the server.</summary>
    DeployedCode? Current(string functionName);

    /// <summary>The zip of <paramref name="code"/>, checked against its hash.</summary>
    Task<byte[]> ReadAsync(DeployedCode code, CancellationToken cancellationToken);

    /// <summary>
    /// The functions that exist only as deployed code (CreateFunction), as the catalog lists them: each one's
    /// <see cref="FunctionRegistration.Implementation"/> is the contract interface its class implements.
    /// </summary>
    IReadOnlyCollection<FunctionRegistration> Created { get; }
}
