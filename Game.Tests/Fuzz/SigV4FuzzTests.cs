using System.Text;
using Game.Server.Auth;
using Xunit.Abstractions;

namespace Game.Tests.Fuzz;

/// <summary>
/// The SigV4 verifier: a seed is the Authorization, X-Amz-Date and x-amz-content-sha256 values, one per line. It
/// never throws, and its refusal never repeats what the Authorization value holds (it may hold credentials).
/// </summary>
public sealed class SigV4FuzzTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigV4Headers_Mutated_NeverThrowAndNeverEchoTheHeader()
    {
        var verifier = new SigV4Verifier(key => key == "AKIDGAMELOCAL" ? "game-local-secret" : null, TimeProvider.System) { Service = "kinesis" };
        var today = DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var fuzzer = new Fuzzer("sigv4", Fuzzer.Tokens(
            "AWS4-HMAC-SHA256 ", "Credential=", "SignedHeaders=", "Signature=", ", ", "=", "/", ";", "aws4_request", "host",
            "AKIDGAMELOCAL", today, "us-east-1", "kinesis", "\n", "T000000Z", "99999999T999999Z", "\u0000", "\u00e9", "\ud83d\ude00"));

        var ran = await fuzzer.RunAsync(Fuzzer.LoadCorpus("sigv4").Select(seed => (seed.Name, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(seed.Bytes).Replace("{today}", today, StringComparison.Ordinal)))).ToList(), (_, input) =>
        {
            var lines = Encoding.UTF8.GetString(input).Split('\n');
            var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase) { ["host"] = ["127.0.0.1:5000"] };
            if (lines.Length > 0)
            {
                headers["Authorization"] = [lines[0]];
            }

            if (lines.Length > 1)
            {
                headers["X-Amz-Date"] = [lines[1]];
            }

            if (lines.Length > 2)
            {
                headers["x-amz-content-sha256"] = [lines[2]];
            }

            var result = verifier.Verify(new SigV4Request("POST", "/", "", headers, "{}"u8.ToArray()));
            // The seeds carry a credential-looking "secret" in the header; whatever a mutant keeps of it stays unsaid.
            if (!result.Succeeded && lines[0].Contains("secret", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("secret", result.ErrorMessage);
            }

            return Task.CompletedTask;
        });

        output.WriteLine($"{ran} inputs in {Fuzzer.Budget.TotalSeconds} s");
        Assert.True(ran > 0);
    }
}
