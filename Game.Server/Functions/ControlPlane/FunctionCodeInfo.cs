namespace Game.Server.Functions.ControlPlane;

/// <summary>
/// What the control plane keeps of a function's deployed code, inside the function's configuration: the zip itself
/// is stored apart, in chunks (<see cref="FunctionCodeStore"/>), and named here by its hash.
/// </summary>
public sealed record FunctionCodeInfo
{
    /// <summary>Base64 SHA-256 of the zip, Lambda's <c>CodeSha256</c>.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>The zip's size in bytes, Lambda's <c>CodeSize</c>.</summary>
    public long Size { get; init; }

    /// <summary>How many chunks the zip was stored in.</summary>
    public int Chunks { get; init; }

    /// <summary>The handler as resolved when the code was deployed: <c>Assembly::Namespace.Class::FunctionHandler</c>.</summary>
    public string Handler { get; init; } = "";

    /// <summary>The runtime the caller named (<c>dotnet8</c>, <c>dotnet10</c>): reported back; the code runs on the server's .NET.</summary>
    public string Runtime { get; init; } = FunctionCodeApi.DefaultRuntime;

    /// <summary>The contract the handler's class implements (<c>IJsonFunction</c>, <c>IKinesisFunction</c>, <c>ITumblingWindowFunction</c>).</summary>
    public string Contract { get; init; } = "";
}
