using System.Buffers.Binary;
using System.Collections.Immutable;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Chains;

/// <summary>
/// The third party of the chains campaign: the model's vhost_get_vq_desc()
/// (any state from Baseline on, in .NET) on the same case as the tree's C,
/// laid out in the model's user memory as chains.c lays it out in the
/// shim's (CHAINS-PROTOCOL.md: the same maps, backed ranges, ring
/// addresses, canaries and sentinels), so that its answer can be compared
/// with the tree's bit for bit.
/// </summary>
public sealed class ModelChains
{
    const int Guard = 64;
    const ulong CanaryAddr = 0xdeadbeefcafef00d, CanaryLen = 0xa5a5a5a5a5a5a5a5;
    const int MaxNum = 32768, DescSize = 16;
    const int LogCap = 1 << 18;

    readonly Baseline model;
    readonly vhost_virtqueue vq = new();
    readonly vhost_iotlb umem = new();
    // What the previous case wrote, zeroed before the next (chains.c clears all of user memory).
    readonly List<(ulong Hva, int Bytes)> written = [];
    iovec[] iov = new iovec[Wire.UioMaxIov + Guard];
    vhost_log[] log = new vhost_log[Wire.UioMaxIov + Guard];

    public ModelChains(Baseline model)
    {
        this.model = model;
        State = model.GetType().Name;
        model.Runtime.Reset();
        model.Runtime.StepLimit = KernelRuntime.DefaultStepLimit;
        foreach (var (gpa, size) in GuestMemory.Backed)
            model.Runtime.Memory.Map(Hva(gpa), size);
        model.Runtime.Memory.Map(GuestMemory.DescHva, (ulong)MaxNum * DescSize);
        model.Runtime.Memory.Map(GuestMemory.AvailHva, 4 + 2 * (ulong)MaxNum + 2);
        foreach (var m in GuestMemory.Maps)
            umem.list.entries.Add(new vhost_iotlb_map { start = m.Gpa, size = m.Size, last = m.Last, addr = m.Hva, perm = m.Perm });
        vq.dev = new vhost_dev();
        vq.umem = umem;
        vq.iotlb = null;
        vq.desc = new UserPtr(GuestMemory.DescHva);
        vq.avail = new UserPtr(GuestMemory.AvailHva);
    }

    /// <summary>The model state that runs.</summary>
    public string State { get; }

    static ulong Hva(ulong gpa) => GuestMemory.MapAt(gpa) is { } m
        ? m.Hva + (gpa - m.Gpa)
        : throw new InvalidOperationException($"guest-physical 0x{gpa:x} is not mapped");

    /// <summary>Runs one case; the answer in the driver's terms (a BUG() or a hang in the model is an exception).</summary>
    public ChainResult Run(ChainCase c)
    {
        Span<byte> zero = stackalloc byte[DescSize * 64];
        foreach (var (hva, bytes) in written)
            for (var k = 0; k < bytes; k += zero.Length)
                model.Runtime.Memory.TryWrite(hva + (ulong)k, zero[..Math.Min(zero.Length, bytes - k)]);
        written.Clear();
        Span<byte> d = stackalloc byte[DescSize];
        foreach (var r in c.Runs)
            for (uint j = 0; j < r.Count; j++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(d, r.Addr + j * r.AddrStep);
                BinaryPrimitives.WriteUInt32LittleEndian(d[8..], r.Len);
                BinaryPrimitives.WriteUInt16LittleEndian(d[12..], r.Flags);
                BinaryPrimitives.WriteUInt16LittleEndian(d[14..], (ushort)(r.Next + j * r.NextStep));
                var hva = r.Kind == RunKind.Ring ? GuestMemory.DescHva + (r.At + j) * DescSize : Hva(r.At + j * DescSize);
                Write(hva, d);
            }
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, c.Head);
        Write(GuestMemory.AvailHva + 4, b);
        BinaryPrimitives.WriteUInt16LittleEndian(b, 1);
        Write(GuestMemory.AvailHva + 2, b);

        vq.num = c.Num;
        vq.last_avail_idx = 0;
        vq.avail_idx = 0;
        vq.used_flags = 1;
        vq.dev.iov_limit = (int)c.IovLimit;
        if (iov.Length < c.IovSize + Guard)
            iov = new iovec[c.IovSize + Guard];
        if (log.Length < c.IovLimit + Guard)
            log = new vhost_log[c.IovLimit + Guard];
        var canary = new iovec { iov_base = new UserPtr(CanaryAddr), iov_len = CanaryLen };
        Array.Fill(iov, canary, 0, (int)c.IovSize + Guard);
        Array.Fill(log, new vhost_log { addr = CanaryAddr, len = CanaryLen }, 0, (int)c.IovLimit + Guard);
        uint @out = 0xdead, @in = 0xdead;
        var logNum = new Ptr<uint>(Wire.NotWritten);
        int ret;
        try
        {
            ret = model.vhost_get_vq_desc(vq, iov, c.IovSize, ref @out, ref @in, c.Log ? log : null, logNum);
        }
        catch (IndexOutOfRangeException)
        {
            throw new InvalidOperationException("the model wrote past the end of its iov or log array");
        }
        uint iovTouched = 0, logTouched = 0;
        for (var i = (int)c.IovSize; i < c.IovSize + Guard; i++)
            if (iov[i].iov_base.Value != CanaryAddr || iov[i].iov_len != CanaryLen)
                iovTouched++;
        for (var i = (int)c.IovLimit; i < c.IovLimit + Guard; i++)
            if (log[i].addr != CanaryAddr || log[i].len != CanaryLen)
                logTouched++;
        var entries = ret >= 0 && c.Log
            ? [.. log.Take((int)Math.Min(logNum.Value, (uint)Math.Min(log.Length, LogCap + Guard))).Select(e => new LogEntry(e.addr, e.len))]
            : ImmutableArray<LogEntry>.Empty;
        return new ChainResult(ret, @out, @in, logNum.Value, iovTouched, logTouched, entries,
            VhostLog.Equivalence.Engines.Drivers.ModelValues.IovHash(iov.AsSpan(0, (int)c.IovSize)));
    }

    void Write(ulong hva, ReadOnlySpan<byte> bytes)
    {
        if (!model.Runtime.Memory.TryWrite(hva, bytes))
            throw new InvalidOperationException($"descriptor at 0x{hva:x} lands outside the backed memory");
        // Consecutive descriptors of a run make one range to clear.
        if (written.Count > 0 && written[^1].Hva + (ulong)written[^1].Bytes == hva)
            written[^1] = (written[^1].Hva, written[^1].Bytes + bytes.Length);
        else
            written.Add((hva, bytes.Length));
    }

    /// <summary>Where the tree's and the model's answers differ (empty: bit for bit the same).</summary>
    public static List<string> Compare(ChainResult tree, ChainResult model)
    {
        var d = new List<string>();
        if (tree.Ret != model.Ret)
            d.Add($"return {tree.Ret}, model {model.Ret}");
        if (tree.Out != model.Out || tree.In != model.In)
            d.Add($"out/in {tree.Out:x}/{tree.In:x}, model {model.Out:x}/{model.In:x}");
        if (tree.LogNum != model.LogNum)
            d.Add($"log_num {tree.LogNum:x}, model {model.LogNum:x}");
        if (tree.IovGuardTouched != model.IovGuardTouched || tree.LogGuardTouched != model.LogGuardTouched)
            d.Add($"guards touched {tree.IovGuardTouched}/{tree.LogGuardTouched}, model {model.IovGuardTouched}/{model.LogGuardTouched}");
        if (tree.IovHash != model.IovHash)
            d.Add($"iovecs differ (hash {tree.IovHash:x16}, model {model.IovHash:x16})");
        if (!tree.Entries.SequenceEqual(model.Entries))
        {
            var first = Enumerable.Range(0, Math.Min(tree.Entries.Length, model.Entries.Length))
                .FirstOrDefault(i => tree.Entries[i] != model.Entries[i], Math.Min(tree.Entries.Length, model.Entries.Length));
            d.Add($"log entries differ from entry {first} ({tree.Entries.Length} vs {model.Entries.Length})");
        }
        return d;
    }
}
