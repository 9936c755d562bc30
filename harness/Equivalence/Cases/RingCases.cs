using System.Buffers.Binary;
using System.Collections.Immutable;

namespace VhostLog.Equivalence.Cases;

/// <summary>
/// vhost_scsi_get_desc() cases: a virtqueue whose descriptor table, avail
/// ring and indirect tables are laid out byte for byte in user memory, over
/// a memory table built to make translate_desc() split, fault and run out
/// of iovecs. Built imperatively from the case stream's random source
/// (a weighted Pick computes all its values, then keeps one), so the
/// chains are laid out byte by byte: direct chains of
/// device-readable then device-writable buffers, writable before readable,
/// zero-length buffers, indirect tables (bad sizes, nested, unreadable,
/// broken links), loops, links past the table, heads past the table, an
/// empty ring (with and without a buffer slipped in while notification is
/// re-enabled), more new entries than the ring holds, unreadable rings, and
/// chains long enough to fill all of vq->iov.
/// </summary>
public static class RingCases
{
    const ulong Page = 0x1000;
    const int DescSize = 16;
    const ushort Next = 1, Write = 2, Indirect = 4;
    const ushort NoNotify = 1;

    /// <summary>Where the descriptor table and the avail ring are (host-virtual).</summary>
    public const ulong DescHva = 0x6000_0000_0000, AvailHva = DescHva + 0x1_0000;

    /// <summary>Guest-physical layout: a 1 MiB map, a one-page map just above it at another user address, then a hole; optional one-page maps further up.</summary>
    public const ulong BigSize = 0x10_0000, SeamMap = BigSize, Hole = BigSize + Page, SmallBase = 0x20_0000;

    /// <summary>Where indirect tables go (guest-physical, inside the big map); only this part of guest memory is backed by user memory.</summary>
    public const ulong TableGpa = 0x8000, TableArea = 0x4000;

    static ulong Hva(ulong gpa) => CaseGenerator.GuestHva + gpa;

    /// <summary>The VIRTIO_F_VERSION_1 feature bit: a vhost-scsi ring is little-endian.</summary>
    public const int VirtioFVersion1 = 32;

    public static LogCase Build(CaseRandom r)
    {
        var mode = r.Pick((20, "direct"), (6, "indirect"), (2, "fill"), (2, "loop"), (2, "bad-next"));
        // "fill": descriptors of 64 iovecs each, enough of them to use up vq->iov (UIO_MAXIOV).
        var smallMaps = mode == "fill" ? 64 : r.Pick((6, 0), (2, 16), (1, 64));
        var umem = ImmutableArray.CreateBuilder<UmemMap>();
        umem.Add(new UmemMap(0, BigSize, Hva(0)));
        umem.Add(new UmemMap(SeamMap, Page, CaseGenerator.GuestHva + 0x20_0000));
        for (var i = 0; i < smallMaps; i++)
            umem.Add(new UmemMap(SmallBase + (ulong)i * Page, Page, CaseGenerator.GuestHva + 0x40_0000 + (ulong)i * 2 * Page));

        var num = mode == "fill" ? (uint)r.Pick((1, 32), (1, 256))
            : (uint)r.Pick((1, 1), (1, 2), (2, 4), (4, 8), (4, 16), (2, 64), (1, 256));
        var table = new byte[num * DescSize];
        var tables = new List<MemoryWrite>();
        var nextTable = 0;

        // A buffer: mostly in the big map, across the seam, in the hole, over the small maps, or odd.
        (ulong Addr, uint Len) Buffer(bool many)
        {
            if (many)
            {
                // From somewhere in the first small map to somewhere in the last: one iovec per map.
                var from = (ulong)r.Next(0, (int)Page);
                return (SmallBase + from, (uint)((ulong)smallMaps * Page - from - (ulong)r.Next(0, (int)Page)));
            }
            return r.Pick<Func<(ulong Addr, uint Len)>>(
                (40, () => ((ulong)r.Next(0, (int)(BigSize - 4 * Page)), (uint)r.Pick((1, 0), (2, 1), (4, r.Next(2, 600)), (2, (int)Page), (1, r.Next(1, 3 * (int)Page))))),
                (6, () => { var d = (ulong)r.Next(1, 64); return (SeamMap - d, (uint)(d + (ulong)r.Pick((3, r.Next(1, (int)Page)), (1, (int)Page + r.Next(1, 100))))); }),
                (1, () => (Hole + (ulong)r.Next(0, 0x1000), (uint)r.Next(1, 100))),
                (smallMaps > 0 ? 10 : 0, () => (SmallBase + (ulong)r.Next(0, smallMaps) * Page + (ulong)r.Next(0, (int)Page), (uint)r.Next(1, (int)(3 * Page)))),
                (1, () => (ulong.MaxValue - (ulong)r.Next(0, 0x100), (uint)r.Next(1, 0x200))),
                (1, () => ((ulong)r.Next(0, (int)BigSize), uint.MaxValue - (uint)r.Next(0, 16))))();
        }

        // An indirect table of n entries; its descriptor's (addr, len).
        (ulong Addr, uint Len) IndirectTable()
        {
            var n = r.Pick((6, r.Next(1, 5)), (2, r.Next(5, 17)));
            var bytes = new byte[n * DescSize];
            var readable = r.Pick((1, 0), (3, r.Next(0, n + 1)));
            for (var k = 0; k < n; k++)
            {
                var flags = (ushort)(k < readable ? 0 : Write);
                var next = (ushort)(k + 1);
                if (k + 1 < n)
                    flags |= Next;
                flags = r.Pick((30, flags), (1, (ushort)(flags | Indirect)), (1, (ushort)(flags ^ Write)));
                if ((flags & Next) != 0)
                    next = r.Pick((30, next), (1, (ushort)r.Next(0, n)), (1, (ushort)(n + r.Next(0, 3))));
                var buffer = Buffer(false);
                Put(bytes.AsSpan(k * DescSize), buffer.Addr, buffer.Len, flags, next);
            }
            var slot = nextTable++ % (int)(TableArea / 0x400);
            var gpa = TableGpa + (ulong)slot * 0x400 + (ulong)r.Pick((4, 0), (1, r.Next(1, 16)));
            var place = r.Pick((12, 0), (1, 1), (1, 2));
            if (place == 0)
                tables.Add(new MemoryWrite(Hva(gpa), [.. bytes]));
            // 1: unbacked guest memory (mapped in umem, not readable); 2: in the hole.
            var at = place switch { 1 => 0x5_0000UL + (ulong)slot * 0x400, 2 => Hole + 0x100, _ => gpa };
            var len = (uint)r.Pick((10, n * DescSize), (1, n * DescSize + r.Next(1, DescSize)), (1, 0), (1, (n + 1) * DescSize));
            return (at, len);
        }

        // The chain from the head slot: slots in a random order.
        var head = (uint)r.Next(0, (int)num);
        var slots = new int[num];
        for (var s = 0; s < num; s++)
            slots[s] = s;
        (slots[0], slots[head]) = (slots[head], slots[0]);
        // Fisher-Yates over the slots after the head.
        for (var s = (int)num - 1; s > 1; s--)
        {
            var t = r.Next(1, s + 1);
            (slots[s], slots[t]) = (slots[t], slots[s]);
        }
        var length = mode == "fill" ? Math.Min((int)num, r.Next(14, 20))
            : Math.Min((int)num, r.Pick((6, r.Next(1, 4)), (3, r.Next(4, 9)), (1, r.Next(9, 40))));
        var outs = r.Pick((1, 0), (3, r.Next(0, length + 1)));
        for (var k = 0; k < length; k++)
        {
            ushort flags = (ushort)(k < outs ? 0 : Write);
            if (k + 1 < length)
                flags |= Next;
            flags = r.Pick((40, flags), (1, (ushort)(flags ^ Write)));
            var next = k + 1 < length ? (ushort)slots[k + 1] : (ushort)0;
            if (k + 1 == length && mode == "loop")
            {
                flags |= Next;
                next = (ushort)slots[r.Next(0, length)];
            }
            if (k + 1 == length && mode == "bad-next")
            {
                flags |= Next;
                next = (ushort)(num + (uint)r.Next(0, 3));
            }
            var indirect = mode == "indirect" && (k == 0 || r.Next(0, 4) == 0);
            var (addr, len) = indirect ? IndirectTable() : Buffer(mode == "fill");
            if (indirect)
                flags |= Indirect;
            Put(table.AsSpan(slots[k] * DescSize), addr, len, flags, next);
        }

        // The avail ring: what the guest made available since last_avail_idx.
        var lastAvail = (ushort)r.Pick((3, 0), (2, r.Next(0, 0x10000)), (1, 0xffff));
        var newEntries = r.Pick((12, 1), (2, 0), (2, r.Next(2, (int)num + 1)), (1, (int)num + r.Next(1, 3)));
        var availIdx = (ushort)(lastAvail + newEntries);
        var cached = r.Pick((8, lastAvail), (1, availIdx));
        var ringHead = r.Pick((20, (ushort)head), (1, (ushort)(num + (uint)r.Next(0, 3))));
        var avail = new byte[4 + 2 * num + 2];
        BinaryPrimitives.WriteUInt16LittleEndian(avail.AsSpan(2), availIdx);
        BinaryPrimitives.WriteUInt16LittleEndian(avail.AsSpan(4 + 2 * (int)(lastAvail & (num - 1))), ringHead);

        // Sometimes part of a ring is not mapped: the kernel's read faults.
        var descMapped = r.Pick((20, (ulong)table.Length), (1, (ulong)r.Next(0, table.Length)));
        var availMapped = r.Pick((25, (ulong)avail.Length), (1, (ulong)r.Next(0, avail.Length)));
        var mapped = ImmutableArray.CreateBuilder<UserRange>();
        var writes = ImmutableArray.CreateBuilder<MemoryWrite>();
        if (descMapped > 0)
        {
            mapped.Add(new UserRange(DescHva, descMapped));
            writes.Add(new MemoryWrite(DescHva, [.. table.AsSpan(0, (int)descMapped)]));
        }
        if (availMapped > 0)
        {
            mapped.Add(new UserRange(AvailHva, availMapped));
            writes.Add(new MemoryWrite(AvailHva, [.. avail.AsSpan(0, (int)availMapped)]));
        }
        mapped.Add(new UserRange(Hva(TableGpa), TableArea + Page));
        writes.AddRange(tables);

        var usedFlags = r.Pick((12, NoNotify), (1, (ushort)0));
        var notify = newEntries == 0
            ? r.Pick((2, -1), (2, (int)(ushort)(availIdx + 1)), (1, (int)(ushort)(availIdx + num + 1)))
            : r.Pick((10, -1), (1, r.Next(0, 0x10000)));
        var nullLog = r.Pick((3, false), (1, true));
        return new LogCase(Function.vhost_scsi_get_desc, 0, mapped.ToImmutable(), false, umem.ToImmutable(), false, 0, 0, [], [],
            Features: 1UL << VirtioFVersion1, NullLog: nullLog,
            Ring: new RingState(num, DescHva, AvailHva, lastAvail, cached, usedFlags, notify, writes.ToImmutable()));
    }

    static void Put(Span<byte> d, ulong addr, uint len, ushort flags, ushort next)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(d, addr);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], len);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
    }
}
