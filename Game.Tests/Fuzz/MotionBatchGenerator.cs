namespace Game.Tests.Fuzz;

/// <summary>
/// Random motion batches in the usual shape, each value in a randomly chosen one of its MessagePack encodings: keys in
/// any order, some missing or repeated, ids in several scripts, seq and numbers in every integer and float code.
/// </summary>
public sealed class MotionBatchGenerator(Random random)
{
    private static readonly string[] Ids = ["G", "ABCDE", "p0123456789abcdef", "", "Ünï", "日本語のゲーム", "🎲🎲", new string('x', 40), new string('y', 300)];

    private static readonly byte[] IntegerCodes = [0, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3];

    private static readonly double[] Specials = [0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, double.MaxValue, -double.MaxValue, 9.81, -1e-300];

    public byte[] Next()
    {
        var fields = new List<Action<MessagePackBytes>>();
        if (random.Next(10) > 0)
        {
            fields.Add(b => b.Str("gameId", StringForm("gameId".Length)).Str(Id(), 0));
        }

        if (random.Next(10) > 0)
        {
            fields.Add(b => b.Str("playerId", StringForm("playerId".Length)).Str(Id(), 0));
        }

        if (random.Next(10) > 0)
        {
            fields.Add(b => Integer(b.Str("seq", StringForm(3)), random.Next(4) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.Next(-40, 100_000)));
        }

        if (random.Next(10) > 0)
        {
            fields.Add(Samples);
        }

        if (random.Next(20) == 0 && fields.Count > 0)
        {
            fields.Add(fields[random.Next(fields.Count)]);
        }

        var shuffled = fields.OrderBy(_ => random.Next()).ToList();
        var bytes = new MessagePackBytes().Map(shuffled.Count, CountForm(shuffled.Count));
        foreach (var field in shuffled)
        {
            field(bytes);
        }

        return bytes.ToArray();
    }

    private void Samples(MessagePackBytes bytes)
    {
        var count = random.Next(4) == 0 ? 0 : random.Next(1, 30);
        bytes.Str("samples", StringForm(7)).Array(count, CountForm(count));
        for (var i = 0; i < count; i++)
        {
            // At most four keys, each one of t, x, y, z, any of them repeated or missing.
            var keys = Enumerable.Range(0, random.Next(5)).Select(_ => "txyz"[random.Next(4)].ToString()).ToList();
            if (random.Next(3) > 0)
            {
                keys = ["t", "x", "y", "z"];
            }

            bytes.Map(keys.Count, CountForm(keys.Count));
            foreach (var key in keys)
            {
                Number(bytes.Str(key, StringForm(1)));
            }
        }
    }

    private void Number(MessagePackBytes bytes)
    {
        switch (random.Next(6))
        {
            case 0: Integer(bytes, random.Next(-100_000, 100_000)); break;
            case 1: bytes.F32((float)((random.NextDouble() * 40) - 20)); break;
            case 2: bytes.F64(Specials[random.Next(Specials.Length)]); break;
            case 3: Integer(bytes, random.NextInt64(long.MinValue, long.MaxValue)); break;
            default: bytes.F64((random.NextDouble() * 40) - 20); break;
        }
    }

    /// <summary>An integer in its smallest form or in any code wide enough for it.</summary>
    private void Integer(MessagePackBytes bytes, long value)
    {
        if (random.Next(2) == 0)
        {
            bytes.Int(value);
            return;
        }

        var code = IntegerCodes[random.Next(IntegerCodes.Length)];
        var fits = code switch
        {
            0 => value is >= -32 and <= 127,
            0xcc => value is >= 0 and <= byte.MaxValue,
            0xcd => value is >= 0 and <= ushort.MaxValue,
            0xce => value is >= 0 and <= uint.MaxValue,
            0xcf => value >= 0,
            0xd0 => value is >= sbyte.MinValue and <= sbyte.MaxValue,
            0xd1 => value is >= short.MinValue and <= short.MaxValue,
            0xd2 => value is >= int.MinValue and <= int.MaxValue,
            _ => true,
        };
        if (fits)
        {
            bytes.Int(value, code);
        }
        else
        {
            bytes.Int(value);
        }
    }

    private string Id() => Ids[random.Next(Ids.Length)];

    /// <summary>The smallest header mostly; sometimes str8/16/32 (str8 only when the length fits a byte).</summary>
    private int StringForm(int length) => random.Next(4) switch
    {
        0 when length <= byte.MaxValue => 8,
        1 => 16,
        2 when random.Next(2) == 0 => 32,
        _ => 0,
    };

    private int CountForm(int count) => random.Next(5) switch
    {
        0 => 16,
        1 => 32,
        _ => count <= 15 ? 0 : 16,
    };
}
