using Game.Functions.Runtime;
using Game.Functions.Runtime.Code;

namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// The runtime's view of deployed code (<see cref="IFunctionCodeSource"/>), from this node's copy of the control
/// plane (<see cref="FunctionConfigurations"/>): which zip each function runs, and the functions CreateFunction made.
/// A deployment through another node reaches this one at its next refresh, as every configuration change does.
/// </summary>
public sealed class DeployedFunctions(FunctionConfigurations configurations, FunctionCodeStore code) : IFunctionCodeSource
{
    public IReadOnlyCollection<FunctionRegistration> Created =>
        configurations.Functions.Values
            .Where(f => f.Code is not null)
            .OrderBy(f => f.FunctionName, StringComparer.Ordinal)
            .Select(f => new FunctionRegistration(f.FunctionName, ContractType(f.Code!.Contract), TimeSpan.FromSeconds(f.Timeout)))
            .ToList();

    public DeployedCode? Current(string functionName) =>
        configurations.Function(functionName)?.Code is { } deployed ? new DeployedCode(deployed.Sha256, deployed.Handler) : null;

    public Task<byte[]> ReadAsync(DeployedCode deployed, CancellationToken cancellationToken)
    {
        // The chunk count belongs to the hash: any configuration naming this zip names the same count.
        var info = configurations.Functions.Values.Select(f => f.Code).FirstOrDefault(c => c?.Sha256 == deployed.CodeSha256)
            ?? throw new InvalidOperationException($"No function runs code {deployed.CodeSha256} any more.");
        return code.ReadAsync(info.Sha256, info.Chunks, cancellationToken);
    }

    /// <summary>The contract interface named in a stored <see cref="FunctionCodeInfo.Contract"/>.</summary>
    public static Type ContractType(string contract) =>
        FunctionPackage.Contracts.FirstOrDefault(c => c.Name == contract)
        ?? throw new InvalidOperationException($"Unknown function contract '{contract}'.");
}
