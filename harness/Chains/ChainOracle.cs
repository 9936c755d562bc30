using System.Collections.Immutable;

namespace VhostLog.Chains;

/// <summary>What the oracle expects of one call: an error, or the split and the log.</summary>
/// <param name="Error">why the chain must be refused (null: it is valid)</param>
/// <param name="Lenient">for a valid chain, what in it the specification forbids the driver but vhost accepts (null: nothing)</param>
public sealed record Expectation(string? Error, uint Out, uint In, ImmutableArray<LogEntry> Log, string? Lenient = null);

/// <summary>
/// Our reading of what vhost_get_vq_desc() must do with a chain, written
/// from the virtio 1.x specification (split virtqueues, 2.7.5 and 2.7.5.3)
/// and the behaviour vhost documents for its callers, not from vhost.c:
/// <list type="bullet">
/// <item>the head and every next index must be inside the ring, and a chain
/// may not visit a descriptor twice;</item>
/// <item>a descriptor with the indirect flag refers to a table of len/16
/// descriptors, whose chain starts at entry 0 and follows next inside the
/// table; an empty table, a length that is not a multiple of 16, more than
/// 65536 entries, an indirect entry inside a table, a next outside the table
/// or a revisit are errors, as is a table that cannot be read; the write flag
/// of the referring descriptor is ignored (spec: "MUST ignore");</item>
/// <item>each buffer becomes one iovec per guest memory region it spans
/// (none for length 0); a range that leaves guest memory, or a region
/// without the needed permission, is an error; the caller's iov_size bounds
/// the iovecs of the whole chain, and running out is an error;</item>
/// <item>device-readable buffers come before device-writable ones: a
/// readable descriptor after a writable one that gave iovecs is an error
/// (vhost is more lenient than the specification here: a zero-length
/// writable descriptor gives no buffer, so it does not end the readable
/// part);</item>
/// <item>when a log is passed, it gets one entry per writable descriptor that
/// gave iovecs, in chain order, with that descriptor's address and length.</item>
/// </list>
/// vhost accepts an indirect descriptor in the middle of a ring chain (it
/// continues with that descriptor's next), which the specification forbids
/// the driver; the oracle accepts it too. vhost reads an indirect table in
/// order and uses next only to see whether the chain goes on; the oracle
/// follows next. The two agree on the tables the generator writes (entry i
/// chains to i + 1, or the last one back into the table), and tables whose
/// next skips around are not generated: that difference is not exercised.
/// </summary>
public static class ChainOracle
{
    const int MaxTable = 65536;

    sealed class Walk(ChainCase c)
    {
        readonly Dictionary<ulong, Desc> ring = [];
        readonly Dictionary<ulong, Desc> guest = [];
        public uint Out, In;
        /// <summary>Whether a writable descriptor came before, iovecs or not (the specification's order).</summary>
        public bool SawWrite;
        public string? Lenient;
        public readonly ImmutableArray<LogEntry>.Builder Log = ImmutableArray.CreateBuilder<LogEntry>();

        public void Load()
        {
            foreach (var r in c.Runs)
                for (var j = 0u; j < r.Count; j++)
                {
                    var d = new Desc(r.Addr + j * r.AddrStep, r.Len, r.Flags, (ushort)(r.Next + j * r.NextStep));
                    if (r.Kind == RunKind.Ring)
                        ring[r.At + j] = d;
                    else
                        guest[r.At + 16 * j] = d;
                }
        }

        public Desc RingDesc(ulong slot) => ring.GetValueOrDefault(slot);

        public Desc? TableDesc(ulong gpa) =>
            GuestMemory.IsBacked(gpa, 16) ? guest.GetValueOrDefault(gpa) : null;

        /// <summary>One buffer: null, or why it is refused.</summary>
        public string? Buffer(Desc d)
        {
            var pieces = 0u;
            var access = d.Write ? 2u : 1u;
            if (d.Len > 0 && d.Addr + d.Len - 1 < d.Addr)
                return "buffer wraps past 2^64";
            for (ulong at = d.Addr, left = d.Len; left > 0;)
            {
                if (Out + In + pieces >= c.IovSize)
                    return "more iovecs than iov_size";
                if (GuestMemory.MapAt(at) is not { } m)
                    return "buffer outside guest memory";
                if ((m.Perm & access) == 0)
                    return "buffer in a region without the access";
                var piece = Math.Min(left, m.Last - at + 1);
                pieces++;
                left -= piece;
                at += piece;
            }
            if (d.Write)
            {
                SawWrite = true;
                In += pieces;
                if (pieces > 0)
                    Log.Add(new LogEntry(d.Addr, d.Len));
            }
            else
            {
                if (In > 0)
                    return "readable buffer after writable ones";
                if (SawWrite)
                    Lenient ??= "readable descriptor after a zero-length writable one";
                Out += pieces;
            }
            return null;
        }

        public string? Table(Desc ind)
        {
            if (ind.Len % 16 != 0)
                return "indirect length not a multiple of 16";
            var count = ind.Len / 16;
            if (count == 0)
                return "empty indirect table";
            if (count > MaxTable)
                return "indirect table of more than 65536 entries";
            for (ulong at = ind.Addr, left = ind.Len; left > 0;)
            {
                if (GuestMemory.MapAt(at) is not { } m)
                    return "indirect table outside guest memory";
                if ((m.Perm & 1) == 0)
                    return "indirect table not readable";
                var piece = Math.Min(left, m.Last - at + 1);
                left -= piece;
                at += piece;
            }
            var seen = new HashSet<uint>();
            for (uint i = 0; ;)
            {
                if (i >= count)
                    return "next outside the indirect table";
                if (!seen.Add(i))
                    return "loop in the indirect table";
                if (TableDesc(ind.Addr + 16UL * i) is not { } d)
                    return "indirect table not readable";
                if (d.Indirect)
                    return "indirect descriptor inside an indirect table";
                if (Buffer(d) is { } why)
                    return why;
                if (!d.HasNext)
                    return null;
                i = d.Next;
            }
        }
    }

    public static Expectation Expect(ChainCase c)
    {
        var w = new Walk(c);
        w.Load();
        var error = Run(c, w);
        return error is null ? new Expectation(null, w.Out, w.In, c.Log ? w.Log.ToImmutable() : [], w.Lenient)
                             : new Expectation(error, 0, 0, []);
    }

    static string? Run(ChainCase c, Walk w)
    {
        var seen = new HashSet<uint>();
        for (uint i = c.Head; ;)
        {
            if (i >= c.Num)
                return "descriptor index outside the ring";
            if (!seen.Add(i))
                return "loop in the ring";
            var d = w.RingDesc(i);
            if (d.Indirect && d.HasNext)
                w.Lenient ??= "indirect descriptor with NEXT (the chain goes on in the ring)";
            if ((d.Indirect ? w.Table(d) : w.Buffer(d)) is { } why)
                return why;
            if (!d.HasNext)
                return null;
            i = d.Next;
        }
    }
}
