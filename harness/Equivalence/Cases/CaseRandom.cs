namespace VhostLog.Equivalence.Cases;

/// <summary>
/// The random source the cases are drawn from: xoshiro256** (Blackman and
/// Vigna), its state filled by SplitMix64 from the seed as its authors
/// advise. Same seed, same numbers, on every platform and .NET version
/// (System.Random promises that only for its legacy seeded algorithm).
/// One instance per stream of cases; it is not thread-safe and nothing in
/// it is shared, so a stream does not depend on thread scheduling.
/// </summary>
/// <remarks>
/// Why not FsCheck's generators: drawing a case through a tree of Gen
/// combinators cost 8-30 µs, more than running the model and the C on it.
/// Why not SplitMix64 alone: equiv seeds function f with seed + f times
/// SplitMix64's own increment, which would make the functions' streams the
/// same numbers shifted by one; xoshiro's states filled from neighbouring
/// SplitMix64 outputs are unrelated.
/// </remarks>
public sealed class CaseRandom
{
    ulong s0, s1, s2, s3;

    public CaseRandom(ulong seed)
    {
        var x = seed;
        s0 = SplitMix64(ref x);
        s1 = SplitMix64(ref x);
        s2 = SplitMix64(ref x);
        s3 = SplitMix64(ref x);
    }

    static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64 uniform bits.</summary>
    public ulong Next()
    {
        var result = ulong.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, n), n > 0, without modulo bias (Lemire's multiply-and-reject).</summary>
    public ulong Below(ulong n)
    {
        var high = Math.BigMul(Next(), n, out var low);
        if (low < n)
        {
            var threshold = (0 - n) % n;
            while (low < threshold)
                high = Math.BigMul(Next(), n, out low);
        }
        return high;
    }

    /// <summary>Uniform in [low, high], both included (FsCheck's Gen.Choose).</summary>
    public int Int(int low, int high) => low + (int)Below((ulong)((long)high - low + 1));

    /// <summary>Uniform in [low, high], both included.</summary>
    public ulong U64(ulong low, ulong high) => high - low == ulong.MaxValue ? Next() : low + Below(high - low + 1);

    /// <summary>System.Random.Next(min, max)'s contract: [min, max), and min itself when max == min.</summary>
    public int Next(int minInclusive, int maxExclusive) =>
        maxExclusive <= minInclusive ? minInclusive : minInclusive + (int)Below((ulong)((long)maxExclusive - minInclusive));

    /// <summary>One of the values, each as likely (FsCheck's Gen.Elements).</summary>
    public T Element<T>(params ReadOnlySpan<T> values) => values[(int)Below((ulong)values.Length)];

    /// <summary>
    /// An index into <paramref name="weights"/>, each as likely as its
    /// weight (FsCheck's Gen.Frequency, for branches that must not be drawn
    /// unless chosen: switch on the index).
    /// </summary>
    public int Weighted(params ReadOnlySpan<int> weights)
    {
        var total = 0;
        foreach (var w in weights)
            total += w;
        var x = (int)Below((ulong)total);
        for (var i = 0; i < weights.Length; i++)
        {
            if (x < weights[i])
                return i;
            x -= weights[i];
        }
        throw new InvalidOperationException("unreachable: x < total");
    }

    /// <summary>
    /// One of the values, each as likely as its weight. Every value is
    /// computed before the choice (they are arguments), which only costs the
    /// numbers drawn for the ones not chosen.
    /// </summary>
    public T Pick<T>(params ReadOnlySpan<(int Weight, T Value)> choices)
    {
        var total = 0;
        foreach (var c in choices)
            total += c.Weight;
        var x = (int)Below((ulong)total);
        foreach (var (w, v) in choices)
        {
            if (x < w)
                return v;
            x -= w;
        }
        throw new InvalidOperationException("unreachable: x < total");
    }
}
