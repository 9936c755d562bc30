using VhostLog.Equivalence.Cases;

namespace VhostLog.Equivalence.Bench;

/// <summary>
/// One benchmark workload: log [Address, Address + Length) into a dirty
/// bitmap mapped at [LogBase, LogBase + BitmapLength), through
/// vhost_log_write() as descriptors of at most Segment bytes. The managed
/// and the native side run exactly this, so their numbers compare.
/// </summary>
public sealed record BenchWorkload(string Name, Function Function, ulong LogBase, ulong BitmapLength,
    ulong Address, ulong Length, ulong Segment)
{
    const ulong PageSize = 0x1000;
    const ulong MiB = 1 << 20;

    // A bitmap of 64 KiB covers guest-physical [0, 2 GiB): every workload
    // below lies inside it, so no call faults and every page is logged.
    const ulong Bitmap = 0x7f00_0000_0000;
    const ulong BitmapBytes = 0x10000;
    const ulong Guest = 0x4000_0000;
    const ulong Descriptor = 0x10000;

    /// <summary>Pages the range touches: what one call logs.</summary>
    public ulong Pages => Length == 0 ? 0 : (Address + Length - 1) / PageSize - Address / PageSize + 1;

    /// <summary>Descriptors vhost_log_write() is given (vhost_log entries).</summary>
    public IReadOnlyList<(ulong Addr, ulong Len)> Descriptors()
    {
        var list = new List<(ulong, ulong)>();
        for (ulong done = 0; done < Length; done += Segment)
            list.Add((Address + done, Math.Min(Segment, Length - done)));
        return list;
    }

    /// <summary>set_bit_to_user() calls per MiB logged, given the calls one run makes.</summary>
    public double PerMiB(long setBitCalls) => setBitCalls / ((double)Length / MiB);

    /// <summary>1 MiB and 64 MiB, one page aligned and one page straddling two, for both functions.</summary>
    public static IReadOnlyList<BenchWorkload> All { get; } =
    [
        .. For(Function.log_write),
        .. For(Function.vhost_log_write),
    ];

    public static BenchWorkload Named(string name) =>
        All.FirstOrDefault(w => w.Name == name) ?? throw new ArgumentException($"no benchmark workload named '{name}'");

    static IEnumerable<BenchWorkload> For(Function f)
    {
        BenchWorkload W(string what, ulong address, ulong length) =>
            new($"{f}/{what}", f, Bitmap, BitmapBytes, address, length, Math.Min(Descriptor, length));
        yield return W("4KiB-aligned", Guest, PageSize);
        yield return W("4KiB-unaligned", Guest + PageSize / 2, PageSize);
        yield return W("1MiB", Guest, MiB);
        yield return W("64MiB", Guest, 64 * MiB);
    }
}

/// <summary>What one run of a workload left behind: its return, the eventfd signals, the set_bit_to_user() calls and the non-zero bitmap bytes.</summary>
public sealed record BenchOutcome(int Return, long Signals, long SetBitCalls, IReadOnlyList<(ulong Addr, byte Value)> Bytes);
