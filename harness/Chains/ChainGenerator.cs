using System.Collections.Immutable;
using VhostLog.Equivalence.Protocol;

namespace VhostLog.Chains;

/// <summary>
/// Seeded adversarial chains, one category at a time (round robin), so
/// that every category gets its share whatever the case count. The same
/// seed gives the same cases.
/// </summary>
public sealed class ChainGenerator(int seed)
{
    const uint UioMaxIov = Wire.UioMaxIov;

    /// <summary>vhost-net's iov_limit: UIO_MAXIOV + VHOST_NET_BATCH.</summary>
    public const uint NetIovLimit = UioMaxIov + 64;

    public static readonly ImmutableArray<string> Categories =
    [
        "direct", "indirect", "indirect-bad-size", "nested-indirect", "loop", "over-long",
        "zero-length", "order", "unmapped", "mixed",
    ];

    readonly Random rnd = new(seed);
    long next;

    public IEnumerable<ChainCase> Cases(long count)
    {
        for (var i = 0L; i < count; i++)
            yield return Make(Categories[(int)(i % Categories.Length)]);
    }

    /// <summary>A case of one category, with the next id.</summary>
    public ChainCase Make(string category)
    {
        var b = new Builder(rnd, next++, category);
        switch (category)
        {
            case "direct": Direct(b); break;
            case "indirect": Indirect(b); break;
            case "indirect-bad-size": BadSize(b); break;
            case "nested-indirect": Nested(b); break;
            case "loop": Loop(b); break;
            case "over-long": OverLong(b); break;
            case "zero-length": ZeroLength(b); break;
            case "order": Order(b); break;
            case "unmapped": Unmapped(b); break;
            case "mixed": Mixed(b); break;
            default: throw new ArgumentException($"no category {category}", nameof(category));
        }
        return b.Build();
    }

    /// <summary>What one descriptor of a chain is before it is placed: buffer or indirect table.</summary>
    sealed record Item(ulong Addr, uint Len, bool Write, bool Indirect = false);

    sealed class Builder(Random rnd, long id, string category)
    {
        public readonly Random R = rnd;
        public uint Num = 256, IovSize = UioMaxIov, IovLimit = UioMaxIov;
        public bool Log = rnd.Next(10) != 0;
        public ushort Head;
        public readonly List<DescRun> Runs = [];
        ulong tableNext = GuestMemory.TableArea;

        public void Sizes(uint? iovSize = null)
        {
            IovSize = iovSize ?? (R.Next(5) < 3 ? UioMaxIov : (uint)R.Next(1, 65));
            IovLimit = R.Next(4) switch
            {
                0 or 1 => IovSize,
                2 => Math.Max(IovSize, UioMaxIov),
                _ => Math.Max(IovSize, NetIovLimit),
            };
        }

        /// <summary>A power-of-2 ring size with room for n descriptors.</summary>
        public void RingFor(int n)
        {
            var num = 1u;
            while (num < n)
                num <<= 1;
            Num = Math.Min(4096u, num << R.Next(0, 3));
        }

        /// <summary>A buffer somewhere in guest memory: mostly the first large map, sometimes across the seam or over one-page maps.</summary>
        public (ulong Addr, uint Len) Buffer(bool zero = false)
        {
            if (zero)
                return ((ulong)R.NextInt64(0, (long)GuestMemory.End), 0);
            switch (R.Next(8))
            {
                case 0:
                    {
                        var before = (ulong)R.Next(1, 0x2000);
                        return (GuestMemory.Seam - before, (uint)(before + (ulong)R.Next(1, 0x2000)));
                    }
                case 1:
                    {
                        var first = R.Next(0, GuestMemory.SmallMaps);
                        var pages = R.Next(1, Math.Min(8, GuestMemory.SmallMaps - first) + 1);
                        var off = R.Next(0, 0x1000);
                        var len = pages * (int)GuestMemory.Page - off - R.Next(0, 0x800);
                        return (GuestMemory.SmallBase + (ulong)first * GuestMemory.Page + (ulong)off, (uint)Math.Max(1, len));
                    }
                default:
                    return ((ulong)R.NextInt64(0x100_0000, 0xF00_0000), (uint)R.Next(1, 0x10000));
            }
        }

        public Item Read() { var (a, l) = Buffer(); return new Item(a, l, false); }
        public Item Write() { var (a, l) = Buffer(); return new Item(a, l, true); }

        /// <summary>A reads-then-writes list of buffers.</summary>
        public List<Item> Buffers(int reads, int writes) =>
            [.. Enumerable.Range(0, reads).Select(_ => Read()), .. Enumerable.Range(0, writes).Select(_ => Write())];

        /// <summary>Room for a table of n entries in the backed table area.</summary>
        public ulong TableSpace(int n)
        {
            var at = tableNext;
            tableNext += (ulong)n * 16;
            if (tableNext > GuestMemory.TableArea + GuestMemory.TableAreaSize)
                throw new InvalidOperationException("the generator's tables overflow the table area");
            return at;
        }

        /// <summary>Writes items as a sequential table at gpa (next = i + 1), the last without NEXT unless loopTo.</summary>
        public void Table(ulong gpa, IReadOnlyList<Item> items, int? loopTo = null)
        {
            for (var i = 0; i < items.Count; i++)
            {
                var it = items[i];
                var last = i == items.Count - 1;
                var flags = (ushort)((it.Write ? Desc.FWrite : 0) | (it.Indirect ? Desc.FIndirect : 0) | (!last || loopTo is not null ? Desc.FNext : 0));
                Runs.Add(DescRun.One(RunKind.Guest, gpa + 16UL * (ulong)i, it.Addr, it.Len, flags,
                    (ushort)(last ? loopTo ?? 0 : i + 1)));
            }
        }

        /// <summary>
        /// Entries first .. first+n-1 of the table at gpa as one protocol run of
        /// same-shape buffers, each chaining to the entry after it; the last
        /// one only if lastHasNext (it then names entry first+n).
        /// </summary>
        public void TableRun(ulong gpa, uint first, uint n, ulong addr, ulong step, uint len, bool write, bool lastHasNext = false)
        {
            var w = write ? Desc.FWrite : (ushort)0;
            if (n > 1)
                Runs.Add(new DescRun(RunKind.Guest, gpa + 16UL * first, n - 1, addr, step, len, (ushort)(w | Desc.FNext), (ushort)(first + 1), 1));
            Runs.Add(DescRun.One(RunKind.Guest, gpa + 16UL * (first + n - 1), addr + step * (n - 1), len,
                (ushort)(w | (lastHasNext ? Desc.FNext : 0)), (ushort)(lastHasNext ? first + n : 0)));
        }

        /// <summary>Places items in distinct random ring slots as one chain; returns the slots.</summary>
        public List<uint> Ring(IReadOnlyList<Item> items, int? loopTo = null)
        {
            var slots = Slots(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var it = items[i];
                var last = i == items.Count - 1;
                var hasNext = !last || loopTo is not null;
                var flags = (ushort)((it.Write ? Desc.FWrite : 0) | (it.Indirect ? Desc.FIndirect : 0) | (hasNext ? Desc.FNext : 0));
                var next = last ? (loopTo is { } l ? slots[l] : 0u) : slots[i + 1];
                Runs.Add(DescRun.One(RunKind.Ring, slots[i], it.Addr, it.Len, flags, (ushort)next));
            }
            Head = (ushort)slots[0];
            return slots;
        }

        public List<uint> Slots(int n)
        {
            var all = Enumerable.Range(0, (int)Num).Select(i => (uint)i).ToArray();
            R.Shuffle(all);
            return [.. all.Take(n)];
        }

        public Item IndirectTo(ulong gpa, int entries) =>
            new(gpa, (uint)(entries * 16), R.Next(4) == 0, true);

        public ChainCase Build() => new(id, category, Num, IovSize, IovLimit, Log, Head, [.. Runs]);
    }

    static void Direct(Builder b)
    {
        b.Sizes();
        var items = b.Buffers(b.R.Next(0, 5), b.R.Next(0, 9));
        if (items.Count == 0)
            items.Add(b.Write());
        b.RingFor(items.Count);
        b.Ring(items);
    }

    static void Indirect(Builder b)
    {
        b.Sizes();
        var n = b.R.Next(3) == 0 ? b.R.Next(1, 1025) : b.R.Next(1, 33);
        var reads = b.R.Next(0, Math.Min(n, 4) + 1);
        var items = b.Buffers(reads, n - reads);
        // Sometimes the table sits across the seam between the large maps: it is read through two iovecs.
        var gpa = b.R.Next(6) == 0 && n <= 128 ? GuestMemory.Seam - 16UL * (ulong)b.R.Next(1, n + 1) : b.TableSpace(n);
        b.Table(gpa, items);
        // A table may be longer than its chain: the entries after the end are never read.
        var extra = b.R.Next(4) == 0 ? b.R.Next(1, 8) : 0;
        if (gpa >= GuestMemory.Seam - GuestMemory.SeamWindow)
            extra = 0;
        else if (extra > 0)
            b.TableSpace(extra);
        b.RingFor(1);
        b.Ring([b.IndirectTo(gpa, n + extra)]);
    }

    static void BadSize(Builder b)
    {
        b.Sizes();
        var n = b.R.Next(1, 17);
        var gpa = b.TableSpace(n + 1);
        b.Table(gpa, b.Buffers(0, n));
        var len = b.R.Next(7) switch
        {
            0 => 0u,                                           // empty table
            1 => (uint)(16 * n + b.R.Next(1, 16)),             // not a multiple of 16
            2 => (uint)(16 * n - b.R.Next(1, 16)),
            3 => (uint)(65537 * 16),                           // more entries than a 16-bit next can name
            _ => 0xFFFF_FFF0u,                                 // 4 GiB: past guest memory and 65536 entries
        };
        ulong addr = gpa;
        switch (b.R.Next(4))
        {
            case 0 when len >= 16 && len % 16 == 0 && len <= 16 * 64:
                addr = GuestMemory.HoleStart + (ulong)b.R.Next(0, 0x1000) * 16;  // unmapped table
                break;
            case 1 when len >= 16 && len % 16 == 0 && len <= 16 * 64:
                addr = GuestMemory.Unbacked;                   // mapped, but unreadable memory
                break;
            case 2 when len % 16 == 0 && len >= 16 && len <= 16 * 64:
                addr = GuestMemory.WoBase;                     // a region the device may only write
                break;
        }
        b.RingFor(1);
        b.Ring([new Item(addr, len, false, true)]);
    }

    static void Nested(Builder b)
    {
        b.Sizes();
        var n = b.R.Next(1, 17);
        var items = b.Buffers(b.R.Next(0, 2), n);
        var innerGpa = b.TableSpace(4);
        b.Table(innerGpa, b.Buffers(0, 4));
        items.Insert(b.R.Next(0, items.Count + 1), new Item(innerGpa, 64, b.R.Next(2) == 0, true));
        var gpa = b.TableSpace(items.Count);
        b.Table(gpa, items);
        b.RingFor(1);
        b.Ring([b.IndirectTo(gpa, items.Count)]);
    }

    static void Loop(Builder b)
    {
        b.Sizes();
        var n = b.R.Next(1, 24);
        var items = b.Buffers(b.R.Next(0, 3), n);
        if (b.R.Next(2) == 0)
        {
            b.RingFor(items.Count);
            b.Ring(items, loopTo: b.R.Next(0, items.Count));
        }
        else
        {
            // The last entry of a table chains back into it.
            var gpa = b.TableSpace(items.Count);
            b.Table(gpa, items, loopTo: b.R.Next(0, items.Count));
            b.RingFor(1);
            b.Ring([b.IndirectTo(gpa, items.Count)]);
        }
    }

    static void OverLong(Builder b)
    {
        switch (b.R.Next(5))
        {
            case 0:
                {
                    // A ring chain around iov_size descriptors long, every one a one-iovec writable buffer.
                    b.Sizes(b.R.Next(2) == 0 ? UioMaxIov : (uint)b.R.Next(1, 65));
                    var n = (int)b.IovSize + b.R.Next(-2, 4);
                    n = Math.Max(1, n);
                    b.Num = 1u << (int)Math.Ceiling(Math.Log2(Math.Max(2, n)));
                    if (b.Num < n) b.Num <<= 1;
                    // Slots 0..n-1 in order: one run.
                    b.Runs.Add(new DescRun(RunKind.Ring, 0, (uint)n - 1, 0x100_0000, 0x1000, 0x800, Desc.FWrite | Desc.FNext, 1, 1));
                    b.Runs.Add(DescRun.One(RunKind.Ring, (ulong)n - 1, 0x100_0000 + 0x1000UL * (ulong)(n - 1), 0x800, Desc.FWrite));
                    b.Head = 0;
                    break;
                }
            case 1:
                {
                    // An indirect table around iov_size entries.
                    b.Sizes(b.R.Next(2) == 0 ? UioMaxIov : (uint)b.R.Next(1, 65));
                    var n = (uint)Math.Max(1, (int)b.IovSize + b.R.Next(-2, 4));
                    var gpa = b.TableSpace((int)n);
                    var reads = (uint)b.R.Next(0, 3);
                    if (reads > 0 && reads < n)
                    {
                        b.TableRun(gpa, 0, reads, 0x200_0000, 0x1000, 0x100, false, lastHasNext: true);
                        b.TableRun(gpa, reads, n - reads, 0x300_0000, 0x1000, 0x100, true);
                    }
                    else
                        b.TableRun(gpa, 0, n, 0x300_0000, 0x1000, 0x100, true);
                    b.RingFor(1);
                    b.Ring([b.IndirectTo(gpa, (int)n)]);
                    break;
                }
            case 2:
                {
                    // A few buffers over many one-page maps: iovecs run out before descriptors do.
                    b.Sizes((uint)b.R.Next(1, 129));
                    var items = Enumerable.Range(0, b.R.Next(1, 6)).Select(_ =>
                        new Item(GuestMemory.SmallBase + (ulong)b.R.Next(0, 0x800), (uint)(GuestMemory.Page * (ulong)b.R.Next(20, 63)), true)).ToList();
                    b.RingFor(items.Count);
                    b.Ring(items);
                    break;
                }
            case 3:
                {
                    // A next index past the ring.
                    b.Sizes();
                    var items = b.Buffers(0, b.R.Next(1, 6));
                    b.RingFor(items.Count);
                    b.Ring(items);
                    var last = b.Runs.FindLastIndex(r => r.Kind == RunKind.Ring);
                    b.Runs[last] = b.Runs[last] with { Flags = (ushort)(b.Runs[last].Flags | Desc.FNext), Next = (ushort)b.R.Next((int)b.Num, 65536) };
                    break;
                }
            default:
                {
                    // A head past the ring, or a whole ring of distinct descriptors (the longest a ring chain can be).
                    b.Sizes();
                    if (b.R.Next(2) == 0)
                    {
                        b.Num = 1u << b.R.Next(0, 11);
                        b.Runs.Add(DescRun.One(RunKind.Ring, 0, 0x100_0000, 16, Desc.FWrite));
                        b.Head = (ushort)b.R.Next((int)b.Num, 65536);
                    }
                    else
                    {
                        b.Num = 1u << b.R.Next(0, 12);
                        var n = b.Num;
                        if (n > 1)
                            b.Runs.Add(new DescRun(RunKind.Ring, 0, n - 1, 0x100_0000, 0x1000, 0x10, Desc.FWrite | Desc.FNext, 1, 1));
                        b.Runs.Add(DescRun.One(RunKind.Ring, n - 1, 0x100_0000 + 0x1000UL * (n - 1), 0x10,
                            (ushort)(Desc.FWrite | (b.R.Next(2) == 0 ? Desc.FNext : 0)), 0));
                        b.Head = 0;
                    }
                    break;
                }
        }
    }

    static void ZeroLength(Builder b)
    {
        b.Sizes();
        if (b.R.Next(3) == 0)
        {
            // Many more zero-length writable descriptors than iov_size (CVE-2019-14835's shape), then some real ones.
            var zeros = (uint)b.R.Next((int)b.IovSize, (int)b.IovSize + 1000);
            var real = (uint)b.R.Next(0, (int)Math.Min(b.IovSize, 8) + 1);
            var gpa = b.TableSpace((int)(zeros + real));
            b.TableRun(gpa, 0, zeros, 0x100_0000, 0x10, 0, true, lastHasNext: real > 0);
            if (real > 0)
                b.TableRun(gpa, zeros, real, 0x400_0000, 0x1000, 0x200, true);
            b.RingFor(1);
            b.Ring([b.IndirectTo(gpa, (int)(zeros + real))]);
            return;
        }
        var items = new List<Item>();
        var n = b.R.Next(1, 24);
        for (var i = 0; i < n; i++)
        {
            var (a, l) = b.Buffer(zero: b.R.Next(2) == 0);
            items.Add(new Item(a, l, true));
        }
        items.InsertRange(0, Enumerable.Range(0, b.R.Next(0, 3)).Select(_ => b.R.Next(2) == 0 ? b.Read() : new Item(0, 0, false)));
        Place(b, items);
    }

    static void Order(Builder b)
    {
        b.Sizes();
        var items = b.Buffers(b.R.Next(0, 3), b.R.Next(1, 5));
        var zeroWrites = b.R.Next(3) == 0;
        if (zeroWrites)
            for (var i = 0; i < items.Count; i++)
                if (items[i].Write)
                    items[i] = items[i] with { Len = 0 };
        var read = b.R.Next(2) == 0 ? b.Read() : new Item(0x100_0000, 0, false);
        items.Insert(b.R.Next(items.FindIndex(x => x.Write) + 1, items.Count + 1), read);
        Place(b, items);
    }

    static void Unmapped(Builder b)
    {
        b.Sizes();
        var items = b.Buffers(b.R.Next(0, 3), b.R.Next(0, 4));
        var write = b.R.Next(2) == 0;
        var bad = b.R.Next(6) switch
        {
            0 => new Item(GuestMemory.HoleStart + (ulong)b.R.Next(0, 0x10000), (uint)b.R.Next(1, 0x1000), write),
            1 => new Item(GuestMemory.HoleStart - (ulong)b.R.Next(1, 0x1000), 0x2000, write),    // one-page maps into the hole
            2 => new Item(GuestMemory.End - 0x800, 0x1000, false),                                // off the end of memory
            3 => new Item(GuestMemory.RoBase + (ulong)b.R.Next(0, 0x1000), 0x100, true),           // writable buffer, read-only region
            4 => new Item(GuestMemory.WoBase + (ulong)b.R.Next(0, 0x1000), 0x100, false),          // readable buffer, write-only region
            _ => new Item(0xFFFF_FFFF_FFFF_F000, 0x800, write),
        };
        items.Insert(bad.Write ? items.Count : b.R.Next(0, items.FindIndex(x => x.Write) is var w && w >= 0 ? w + 1 : items.Count + 1), bad);
        Place(b, items);
    }

    static void Mixed(Builder b)
    {
        b.Sizes();
        var parts = b.R.Next(1, 5);
        var items = new List<Item>();
        for (var p = 0; p < parts; p++)
        {
            if (b.R.Next(3) == 0)
            {
                var inner = b.Buffers(b.R.Next(0, 3), b.R.Next(0, 6));
                if (b.R.Next(4) == 0)
                    inner.Reverse();
                if (inner.Count == 0)
                    inner.Add(b.Write());
                var gpa = b.TableSpace(inner.Count);
                b.Table(gpa, inner);
                items.Add(b.IndirectTo(gpa, inner.Count));
            }
            else
            {
                var x = b.R.Next(2) == 0 ? b.Read() : b.Write();
                if (b.R.Next(5) == 0)
                    x = x with { Len = 0 };
                items.Add(x);
            }
        }
        b.RingFor(items.Count);
        b.Ring(items);
    }

    /// <summary>Items as a direct ring chain, or in one indirect table.</summary>
    static void Place(Builder b, List<Item> items)
    {
        if (b.R.Next(2) == 0)
        {
            b.RingFor(items.Count);
            b.Ring(items);
            return;
        }
        var gpa = b.TableSpace(items.Count);
        b.Table(gpa, items);
        b.RingFor(1);
        b.Ring([b.IndirectTo(gpa, items.Count)]);
    }
}
