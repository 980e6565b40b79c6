using System.Diagnostics;
using System.Globalization;
using System.Text;
using Game.Tests.Infrastructure;

namespace Game.Tests.Fuzz;

/// <summary>
/// A small mutation fuzzer: starts from a committed corpus of seed inputs (<c>Game.Tests/Fuzz/corpus/&lt;target&gt;/</c>),
/// then mutates them (bit flips, interesting bytes, inserted tokens, deletions, duplications, splices) with a fixed
/// random seed until the time budget is spent. The target decides which exceptions are documented; anything else
/// is a crash, reported with the input in base64 so it can become a named regression test.
/// </summary>
/// <remarks>
/// The budget is <c>GAME_FUZZ_SECONDS</c> per target: a couple of seconds by default, so a plain <c>dotnet test</c>
/// stays quick; <c>./scripts/test</c> sets about a minute.
/// </remarks>
public sealed class Fuzzer(string target, IReadOnlyList<byte[]> dictionary)
{
    public const string BudgetVariable = "GAME_FUZZ_SECONDS";

    private const double DefaultBudgetSeconds = 2;

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7f, 0x80, 0xff, (byte)'"', (byte)'\\', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)':', (byte)',', (byte)'-', (byte)'0', (byte)'9', (byte)'e', (byte)'.'];

    public static TimeSpan Budget =>
        TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable(BudgetVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : DefaultBudgetSeconds);

    public static string CorpusDirectory(string target) =>
        Path.Combine(ServerProcess.RepositoryRoot, "Game.Tests", "Fuzz", "corpus", target);

    /// <summary>The committed seeds: files as they are, <c>*.hex</c> files decoded from hex (binary seeds stay reviewable).</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> LoadCorpus(string target) =>
        [.. Directory.GetFiles(CorpusDirectory(target)).Order(StringComparer.Ordinal).Select(path => (
            Path.GetFileName(path),
            path.EndsWith(".hex", StringComparison.Ordinal)
                ? Convert.FromHexString(string.Concat(File.ReadAllText(path).Where(char.IsAsciiHexDigit)))
                : File.ReadAllBytes(path)))];

    /// <summary>
    /// Runs every seed, then mutants of them, through <paramref name="run"/> until the budget is spent. Returns how
    /// many inputs ran. A seed's name travels with its mutants (a target may read, say, the operation from it).
    /// </summary>
    public async Task<int> RunAsync(IReadOnlyList<(string Name, byte[] Bytes)> seeds, Func<string, byte[], Task> run, int randomSeed = 13)
    {
        Assert.NotEmpty(seeds);
        var random = new Random(randomSeed);
        var clock = Stopwatch.StartNew();
        var budget = Budget;
        var count = 0;
        foreach (var (name, bytes) in seeds)
        {
            await RunOneAsync(run, name, bytes);
            count++;
        }

        while (clock.Elapsed < budget)
        {
            var (name, bytes) = seeds[random.Next(seeds.Count)];
            var mutant = Mutate(random, bytes, seeds);
            await RunOneAsync(run, name, mutant);
            count++;
        }

        return count;
    }

    private async Task RunOneAsync(Func<string, byte[], Task> run, string name, byte[] input)
    {
        try
        {
            await run(name, input);
        }
        catch (Exception ex)
        {
            // A target's own assertion failing counts too: it states a property every input must keep.
            throw new FuzzCrashException(target, name, input, ex);
        }
    }

    private byte[] Mutate(Random random, byte[] seed, IReadOnlyList<(string Name, byte[] Bytes)> seeds)
    {
        var data = new List<byte>(seed);
        var rounds = 1 + random.Next(4);
        for (var i = 0; i < rounds; i++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                    break;
                case 2 or 3 when dictionary.Count > 0:
                    // A token from the target's dictionary, inserted or overwriting what was there.
                    var token = dictionary[random.Next(dictionary.Count)];
                    if (random.Next(2) == 0 && data.Count > 0)
                    {
                        data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(token.Length + 4)));
                    }

                    data.InsertRange(at, token);
                    break;
                case 4 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                    break;
                case 5 when data.Count > 0:
                    var length = Math.Min(data.Count - at, 1 + random.Next(32));
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
                default:
                    // Splice: the head of this input, the tail of another seed.
                    var other = seeds[random.Next(seeds.Count)].Bytes;
                    var from = other.Length == 0 ? 0 : random.Next(other.Length);
                    data.RemoveRange(at, data.Count - at);
                    data.AddRange(other.AsSpan(from).ToArray());
                    break;
            }
        }

        return [.. data];
    }

    /// <summary>Dictionary tokens written as text.</summary>
    public static IReadOnlyList<byte[]> Tokens(params string[] tokens) => [.. tokens.Select(Encoding.UTF8.GetBytes)];
}

/// <summary>An input that made a target throw what it does not document.</summary>
public sealed class FuzzCrashException(string target, string seed, byte[] input, Exception inner) : Exception(
    $"Fuzz target '{target}' crashed on a mutant of seed '{seed}' with {inner.GetType().Name}: {inner.Message}\n"
    + $"Input (base64): {Convert.ToBase64String(input)}\nInput (text): {Encoding.UTF8.GetString(input)}",
    inner);
