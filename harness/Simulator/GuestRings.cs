using System.Buffers.Binary;
using VhostLog.Models.Kernel;

namespace VhostLog.Simulator;

/// <summary>One chain of descriptors the guest makes available: guest-physical address, length, device-writable.</summary>
public sealed record DescriptorChain(IReadOnlyList<(ulong Addr, uint Len, bool Write)> Descriptors);

/// <summary>
/// The guest's side of the three rings in the model's user memory, laid out
/// as harness/native/sim.c lays them out (SIM-PROTOCOL.md, `post`): free
/// descriptor slots taken from a stack, a chain of 2 to 16 descriptors in a
/// free 16-entry indirect table behind one VRING_DESC_F_INDIRECT descriptor
/// while one is free, its head in avail->ring[idx % num], then avail->idx;
/// a used chain's slots (and table) are taken back. Same inputs, same bytes
/// as the native engine, so that the model's vhost_get_vq_desc() reads what
/// the tree's does.
/// </summary>
public sealed class GuestRings
{
    /// <summary>Where guest memory starts in the VMM's address space (sim.c's VL_GUEST_HVA).</summary>
    public const ulong GuestHva = 0x7f10_0000_0000;

    const int TableDescs = 16, DescSize = 16;
    const ushort FlagNext = 1, FlagWrite = 2, FlagIndirect = 4;

    sealed class Queue(ulong descGpa, ulong availGpa, uint num)
    {
        public readonly ulong DescGpa = descGpa, AvailGpa = availGpa;
        public readonly uint Num = num;
        public ushort AvailIdx;
        public readonly Stack<uint> Free = new(Enumerable.Range(0, (int)num).Reverse().Select(i => (uint)i));
    }

    readonly UserMemory memory;
    readonly Queue[] queues;
    readonly ulong tableGpa;
    readonly bool[] tableBusy;

    /// <param name="memory">the model's user memory, guest pages mapped at GuestHva + gpa</param>
    /// <param name="rings">per queue (control, event, I/O): descriptor table and avail ring (guest-physical) and size</param>
    /// <param name="tableGpa">the indirect tables' area</param>
    /// <param name="tableBytes">its size; 0: no indirect tables</param>
    public GuestRings(UserMemory memory, IReadOnlyList<(ulong Desc, ulong Avail, uint Num)> rings, ulong tableGpa, ulong tableBytes)
    {
        this.memory = memory;
        queues = rings.Select(r => new Queue(r.Desc, r.Avail, r.Num)).ToArray();
        this.tableGpa = tableGpa;
        tableBusy = new bool[tableBytes / (TableDescs * DescSize)];
    }

    public void Post(VirtQueue q, DescriptorChain chain)
    {
        var g = queues[(int)q];
        var n = chain.Descriptors.Count;
        if (n == 0 || n > TableDescs * 4)
            throw new ArgumentException($"a chain of {n} descriptors; the guest posts 1 to {TableDescs * 4}");
        var table = n > 1 && n <= TableDescs ? Array.IndexOf(tableBusy, false) : -1;
        var indirect = table >= 0;
        if (g.Free.Count < (indirect ? 1 : n))
            throw new InvalidOperationException($"queue {q} has {g.Free.Count} free descriptors, the chain needs {n}");
        ulong @base;
        var slot = new uint[n];
        if (indirect)
        {
            tableBusy[table] = true;
            @base = tableGpa + (ulong)table * TableDescs * DescSize;
            for (var i = 0; i < n; i++)
                slot[i] = (uint)i;
        }
        else
        {
            @base = g.DescGpa;
            for (var i = 0; i < n; i++)
                slot[i] = g.Free.Pop();
        }
        for (var i = 0; i < n; i++)
        {
            var (addr, len, write) = chain.Descriptors[i];
            var last = i + 1 == n;
            WriteDesc(@base + slot[i] * DescSize, addr, len,
                (ushort)((write ? FlagWrite : 0) | (last ? 0 : FlagNext)), last ? (ushort)0 : (ushort)slot[i + 1]);
        }
        if (indirect)
        {
            slot[0] = g.Free.Pop();
            WriteDesc(g.DescGpa + slot[0] * DescSize, @base, (uint)(n * DescSize), FlagIndirect, 0);
        }
        Write16(g.AvailGpa + 4 + 2 * (ulong)(g.AvailIdx & (g.Num - 1)), (ushort)slot[0]);
        Write16(g.AvailGpa + 2, (ushort)(g.AvailIdx + 1));
        g.AvailIdx++;
    }

    /// <summary>The guest takes a used chain back into its free slots (and frees its table).</summary>
    public void Reclaim(VirtQueue q, int head)
    {
        var g = queues[(int)q];
        var i = (uint)head;
        var n = 0;
        Span<byte> d = stackalloc byte[DescSize];
        ushort flags;
        do
        {
            if (n++ > g.Num || !Read(g.DescGpa + i * DescSize, d))
                throw new InvalidOperationException($"descriptor chain {head} of queue {q} is broken");
            g.Free.Push(i);
            flags = BinaryPrimitives.ReadUInt16LittleEndian(d[12..]);
            if ((flags & FlagIndirect) != 0)
                tableBusy[(BinaryPrimitives.ReadUInt64LittleEndian(d) - tableGpa) / (TableDescs * DescSize)] = false;
            i = BinaryPrimitives.ReadUInt16LittleEndian(d[14..]);
        } while ((flags & FlagNext) != 0);
    }

    void WriteDesc(ulong gpa, ulong addr, uint len, ushort flags, ushort next)
    {
        Span<byte> d = stackalloc byte[DescSize];
        BinaryPrimitives.WriteUInt64LittleEndian(d, addr);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], len);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
        Write(gpa, d);
    }

    void Write16(ulong gpa, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        Write(gpa, b);
    }

    void Write(ulong gpa, ReadOnlySpan<byte> bytes)
    {
        for (var k = 0; k < bytes.Length; k++)
        {
            if (!memory.TryLocate(GuestHva + gpa + (ulong)k, out var page, out var at))
                throw new InvalidOperationException($"guest page 0x{(gpa + (ulong)k) / GuestLayout.PageSize:x} (rings) is not mapped");
            page[at] = bytes[k];
        }
    }

    bool Read(ulong gpa, Span<byte> to)
    {
        for (var k = 0; k < to.Length; k++)
        {
            if (!memory.TryLocate(GuestHva + gpa + (ulong)k, out var page, out var at))
                return false;
            to[k] = page[at];
        }
        return true;
    }
}
