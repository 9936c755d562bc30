using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VhostLog.Chains;

/// <summary>Where a run of descriptors is written: slots of the descriptor ring, or guest-physical memory (an indirect table).</summary>
public enum RunKind { Ring, Guest }

/// <summary>
/// Count descriptors written one after another: descriptor j has address
/// Addr + j*AddrStep, length Len, flags Flags and next Next + j*NextStep,
/// at ring slot At + j or at guest-physical At + 16*j.
/// </summary>
public sealed record DescRun(RunKind Kind, ulong At, uint Count, ulong Addr, ulong AddrStep, uint Len, ushort Flags, ushort Next, ushort NextStep)
{
    public static DescRun One(RunKind kind, ulong at, ulong addr, uint len, ushort flags, ushort next = 0) =>
        new(kind, at, 1, addr, 0, len, flags, next, 0);
}

/// <summary>One call of vhost_get_vq_desc(): the memory the guest laid out and the caller's arguments.</summary>
/// <param name="IovSize">the caller's iov_size (vhost-scsi passes ARRAY_SIZE(vq->iov) = UIO_MAXIOV)</param>
/// <param name="IovLimit">dev->iov_limit: vq->log holds this many entries</param>
/// <param name="Log">whether the caller passes a log array</param>
/// <param name="Head">what the avail ring offers</param>
public sealed record ChainCase(long Id, string Category, uint Num, uint IovSize, uint IovLimit, bool Log, ushort Head, ImmutableArray<DescRun> Runs)
{
    /// <summary>The protocol line (CHAINS-PROTOCOL.md).</summary>
    public string ToLine()
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"case {Id:x} {Num:x} {IovSize:x} {IovLimit:x} {(Log ? 1 : 0)} {Head:x} {Runs.Length:x}");
        foreach (var r in Runs)
            s.Append(CultureInfo.InvariantCulture,
                $" {(r.Kind == RunKind.Ring ? 'r' : 'g')} {r.At:x} {r.Count:x} {r.Addr:x} {r.AddrStep:x} {r.Len:x} {r.Flags:x} {r.Next:x} {r.NextStep:x}");
        return s.ToString();
    }
}

/// <summary>A descriptor as the guest wrote it (struct vring_desc).</summary>
public readonly record struct Desc(ulong Addr, uint Len, ushort Flags, ushort Next)
{
    public const ushort FNext = 1, FWrite = 2, FIndirect = 4;
    public bool HasNext => (Flags & FNext) != 0;
    public bool Write => (Flags & FWrite) != 0;
    public bool Indirect => (Flags & FIndirect) != 0;
}

/// <summary>A log entry (struct vhost_log).</summary>
public readonly record struct LogEntry(ulong Addr, ulong Len);

/// <summary>What the driver answered for one case.</summary>
/// <param name="IovHash">FNV-1a over the caller's iov_size iovecs as the call left them (CHAINS-PROTOCOL.md)</param>
public sealed record ChainResult(int Ret, uint Out, uint In, uint LogNum, uint IovGuardTouched, uint LogGuardTouched, ImmutableArray<LogEntry> Entries,
    ulong IovHash = 0);
