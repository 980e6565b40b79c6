namespace Game.Server.Hosting;

/// <summary>
/// The one folder under which the server keeps everything on disk (<c>Game:DataDirectory</c>, default
/// <c>data/</c> under the working directory), so a test or a second instance can point elsewhere.
/// </summary>
public sealed class DataDirectory
{
    public DataDirectory(IConfiguration configuration)
    {
        Path = System.IO.Path.GetFullPath(configuration["Game:DataDirectory"] is { Length: > 0 } configured ? configured : "data");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A file's path inside the data directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);
}
