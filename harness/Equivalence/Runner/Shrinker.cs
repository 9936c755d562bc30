using System.Collections.Immutable;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;

namespace VhostLog.Equivalence.Runner;

/// <summary>
/// Greedy shrinking of a failing case: drop array entries, switch features
/// off, move numbers toward 0 and page boundaries, for as long as the case
/// still fails.
/// </summary>
public static class Shrinker
{
    public static LogCase Shrink(LogCase failing, Func<LogCase, bool> stillFails, int budget = 400)
    {
        var current = failing;
        var tries = 0;
        var progress = true;
        while (progress && tries < budget)
        {
            progress = false;
            foreach (var candidate in Candidates(current))
            {
                if (++tries > budget)
                    break;
                if (!Valid(candidate) || candidate == current || !stillFails(candidate))
                    continue;
                current = candidate;
                progress = true;
                break;
            }
        }
        return current;
    }

    /// <summary>
    /// Inputs the kernel can be handed: mapped ranges and IOTLB maps that do
    /// not wrap (vhost_iotlb_add_range splits a full-range map), and
    /// host-virtual ranges that do not wrap (they come from translate_desc).
    /// </summary>
    public static bool Valid(LogCase c) =>
        c.Mapped.All(r => r.Length > 0 && r.Length <= 1 << 20 && r.Start + r.Length - 1 >= r.Start)
        && c.Umem.All(m => m.Size > 0 && m.Start + m.Size - 1 >= m.Start && m.Addr + m.Size - 1 >= m.Addr)
        && (c.Function != Function.log_write_hva || NoWrap(c.Address, c.Length))
        && (c.Function != Function.vhost_log_write || !c.Iotlb || c.Iov.All(v => NoWrap(v.Base, v.Len)))
        && (c.Function != Function.vhost_scsi_copy_cmd_log
            || (c.IovLimit is >= 1 and <= Wire.UioMaxIov && c.Log.Length <= c.IovLimit && c.PriorLog >= 0 && c.PriorLog <= c.IovLimit))
        && (c.Function != Function.vhost_scsi_copy_tmf_log
            || (c.IovLimit is >= 1 and <= Wire.UioMaxIov && c.Log.Length >= 1 && c.Log.Length <= c.IovLimit))
        && (c.Function != Function.vhost_scsi_destroy_vq_log
            || (c.IovLimit is >= 1 and <= Wire.UioMaxIov && c.CommandsOrEmpty.Length <= MaxCommands
                && c.CommandsOrEmpty.All(n => n >= 0 && n <= c.IovLimit)))
        && (c.Function != Function.vhost_scsi_destroy_logs
            || (c.IovLimit is >= 1 and <= Wire.UioMaxIov && c.Out is >= 2 and <= 10 && c.In >= 0 && c.Kind is >= 0 and <= 0xff
                && c.CommandsOrEmpty.Length == (c.Out - 2) * c.In && c.CommandsOrEmpty.All(n => n >= 0 && n <= c.IovLimit)))
        && (c.Function is not (Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target)
            || (c.Out >= 0 && c.Out < MaxIovecs && c.In >= 0 && c.Out + c.In <= MaxIovecs && c.Iov.Length <= MaxIovecs && c.Head >= 0
                && c.Kind is >= 0 and <= 0xff))
        && (c.Fill == 0 || c.Function is Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target)
        && (c.Function == Function.vhost_scsi_get_desc ? ValidRing(c) : c.Ring is null);

    /// <summary>
    /// A virtqueue vhost_vring_set_num() accepts (num a power of 2 up to
    /// 32768), without a device IOTLB (vhost-scsi has none), whose bytes
    /// land in mapped user memory.
    /// </summary>
    static bool ValidRing(LogCase c) =>
        c.Ring is { } ring && !c.Iotlb && ring.Num is > 0 and <= 0x8000 && (ring.Num & (ring.Num - 1)) == 0
        && ring.NotifyAvailIdx is >= -1 and <= 0xffff
        && ring.Writes.All(w => w.Bytes.Length > 0
            && c.Mapped.Any(r => w.Addr >= r.Start && w.Addr - r.Start <= r.Length && (ulong)w.Bytes.Length <= r.Length - (w.Addr - r.Start)));

    /// <summary>vq->iov's entries (UIO_MAXIOV): the response iovecs are some of them.</summary>
    public const int MaxIovecs = Wire.UioMaxIov;

    /// <summary>The most commands a vhost_scsi_destroy_vq_log case may have (the worker's limit).</summary>
    public const int MaxCommands = Wire.MaxCommands;

    static bool NoWrap(ulong start, ulong length) => length == 0 || start + length - 1 >= start;

    static IEnumerable<LogCase> Candidates(LogCase c)
    {
        foreach (var i in Enumerable.Range(0, c.Log.Length))
            yield return c with { Log = c.Log.RemoveAt(i) };
        foreach (var i in Enumerable.Range(0, c.Iov.Length))
            yield return c with { Iov = c.Iov.RemoveAt(i) };
        foreach (var i in Enumerable.Range(0, c.Umem.Length))
            yield return c with { Umem = c.Umem.RemoveAt(i) };
        foreach (var i in Enumerable.Range(0, c.Mapped.Length))
            yield return c with { Mapped = c.Mapped.RemoveAt(i) };
        if (c.LogCtx)
            yield return c with { LogCtx = false };
        if (c.Iotlb && c.Function is Function.vhost_log_write or Function.vhost_scsi_log_write)
            yield return c with { Iotlb = false };
        if (c.NullLog)
            yield return c with { NullLog = false };
        if (c.PriorLog > 0)
            yield return c with { PriorLog = 0 };
        if (c.PriorLog > 1)
            yield return c with { PriorLog = 1 };
        var commands = c.CommandsOrEmpty;
        foreach (var i in Enumerable.Range(0, commands.Length))
            yield return c with { Commands = commands.RemoveAt(i) };
        if (c.NullCommands)
            yield return c with { NullCommands = false };
        for (var i = 0; i < commands.Length; i++)
        {
            if (commands[i] > 1)
                yield return c with { Commands = commands.SetItem(i, 1) };
            if (commands[i] > 0)
                yield return c with { Commands = commands.SetItem(i, 0) };
        }
        if (c.AllocationsBeforeFailure >= 0)
            yield return c with { AllocationsBeforeFailure = -1 };
        if (c.Function == Function.vhost_scsi_destroy_logs)
            foreach (var smaller in SmallerDevices(c))
                yield return smaller;
        if (c.Ring is { } ring)
            foreach (var simpler in SimplerRings(ring))
                yield return c with { Ring = simpler };
        if (c.Head != 0)
            yield return c with { Head = 0 };
        if (c.Out > 0)
            yield return c with { Out = c.Out - 1 };
        if (c.In > 0)
            yield return c with { In = c.In - 1 };
        if (c.Function is Function.vhost_scsi_copy_cmd_log or Function.vhost_scsi_copy_tmf_log or Function.vhost_scsi_destroy_vq_log)
        {
            var least = Math.Max(1, Math.Max(c.Log.Length, Math.Max(c.PriorLog, commands.DefaultIfEmpty(0).Max())));
            if (c.IovLimit > least)
                yield return c with { IovLimit = least };
        }
        if ((c.Features & ~(1UL << CaseGenerator.VhostFLogAll)) != 0)
            yield return c with { Features = c.Features & (1UL << CaseGenerator.VhostFLogAll) };
        foreach (var v in Simpler(c.Length))
            yield return c with { Length = v };
        foreach (var v in Simpler(c.Address))
            yield return c with { Address = v };
        for (var i = 0; i < c.Log.Length; i++)
        {
            var e = c.Log[i];
            foreach (var v in Simpler(e.Len))
                yield return c with { Log = c.Log.SetItem(i, e with { Len = v }) };
            foreach (var v in Simpler(e.Addr))
                yield return c with { Log = c.Log.SetItem(i, e with { Addr = v }) };
        }
        for (var i = 0; i < c.Iov.Length; i++)
        {
            var e = c.Iov[i];
            foreach (var v in Simpler(e.Len))
                yield return c with { Iov = c.Iov.SetItem(i, e with { Len = v }) };
        }
        for (var i = 0; i < c.Umem.Length; i++)
        {
            var m = c.Umem[i];
            foreach (var v in Simpler(m.Size).Where(v => v > 0))
                yield return c with { Umem = c.Umem.SetItem(i, m with { Size = v }) };
            foreach (var v in Simpler(m.Start))
                yield return c with { Umem = c.Umem.SetItem(i, m with { Start = v }) };
        }
        for (var i = 0; i < c.Mapped.Length; i++)
        {
            var r = c.Mapped[i];
            foreach (var v in Simpler(r.Length).Where(v => v > 0))
                yield return c with { Mapped = c.Mapped.SetItem(i, r with { Length = v }) };
        }
    }

    /// <summary>A device without its last I/O queue, without each queue's last command, or with every queue's commands.</summary>
    static IEnumerable<LogCase> SmallerDevices(LogCase c)
    {
        var commands = c.CommandsOrEmpty;
        if (c.Out > 2)
            yield return c with { Out = c.Out - 1, Commands = commands.RemoveRange(commands.Length - c.In, c.In), Kind = c.Kind & ((1 << (c.Out - 3)) - 1) };
        if (c.In > 0)
            yield return c with { In = c.In - 1, Commands = [.. commands.Where((_, i) => i % c.In != c.In - 1)] };
        if (c.Kind != 0)
            yield return c with { Kind = 0 };
    }

    /// <summary>
    /// The ring without the race, with notification off, the cached index
    /// not ahead, without one of its writes, or with one descriptor of a
    /// table zeroed (an unused entry).
    /// </summary>
    static IEnumerable<RingState> SimplerRings(RingState ring)
    {
        if (ring.NotifyAvailIdx >= 0)
            yield return ring with { NotifyAvailIdx = -1 };
        if (ring.UsedFlags != 1)
            yield return ring with { UsedFlags = 1 };
        if (ring.AvailIdx != ring.LastAvailIdx)
            yield return ring with { AvailIdx = ring.LastAvailIdx };
        for (var i = 0; i < ring.Writes.Length; i++)
            yield return ring with { Writes = ring.Writes.RemoveAt(i) };
        for (var i = 0; i < ring.Writes.Length; i++)
        {
            var w = ring.Writes[i];
            if (w.Addr == ring.Avail)
                continue;
            for (var d = 0; d + 16 <= w.Bytes.Length; d += 16)
            {
                if (!w.Bytes.AsSpan(d, 16).ContainsAnyExcept((byte)0))
                    continue;
                var bytes = w.Bytes.ToArray();
                Array.Clear(bytes, d, 16);
                yield return ring with { Writes = ring.Writes.SetItem(i, w with { Bytes = [.. bytes] }) };
            }
        }
    }

    /// <summary>Values "simpler" than v: 0, 1, round page numbers, halves, one less.</summary>
    static IEnumerable<ulong> Simpler(ulong v)
    {
        if (v == 0)
            yield break;
        yield return 0;
        if (v > 1)
            yield return 1;
        if (v > 4096 && v % 4096 != 0)
            yield return v & ~4095UL;
        if (v > 2)
            yield return v / 2;
        yield return v - 1;
    }
}
