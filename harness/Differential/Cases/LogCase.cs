using System.Collections.Immutable;

namespace VhostLog.Harness.Cases;

/// <summary>The function of vhost.c a case calls.</summary>
public enum Function { log_write = 0, log_write_hva = 1, vhost_log_write = 2 }

/// <summary>A range of VMM user memory that is mapped (where the dirty bitmap may live).</summary>
public readonly record struct UserRange(ulong Start, ulong Length);

/// <summary>One entry of vq->umem: guest-physical Start, Size bytes, at host-virtual Addr.</summary>
public readonly record struct UmemMap(ulong Start, ulong Size, ulong Addr);

/// <summary>One struct vhost_log entry (guest-physical).</summary>
public readonly record struct LogEntry(ulong Addr, ulong Len);

/// <summary>One struct iovec (host-virtual).</summary>
public readonly record struct IoVec(ulong Base, ulong Len);

/// <summary>
/// One differential input. Address/Length are the (write_address,
/// write_length) of log_write, the (hva, len) of log_write_hva and
/// (unused, len) of vhost_log_write; log_num is Log.Length and count is
/// Iov.Length.
/// </summary>
public sealed record LogCase(
    Function Function,
    ulong LogBase,
    ImmutableArray<UserRange> Mapped,
    bool Iotlb,
    ImmutableArray<UmemMap> Umem,
    bool LogCtx,
    ulong Address,
    ulong Length,
    ImmutableArray<LogEntry> Log,
    ImmutableArray<IoVec> Iov);

public enum Outcome { Returned, Bug, Crash, Timeout }

/// <summary>What one engine observed for one case.</summary>
public sealed record Observation(
    Outcome Outcome,
    int Return,
    int Signals,
    ImmutableArray<(ulong Addr, byte Value)> Bytes,
    string Detail)
{
    /// <summary>Equal behaviour: same outcome, return value, signals and memory.</summary>
    public bool SameAs(Observation other) =>
        Outcome == other.Outcome
        && (Outcome is Outcome.Crash or Outcome.Timeout
            || ((Outcome != Outcome.Returned || (Return == other.Return && Signals == other.Signals))
                && Bytes.SequenceEqual(other.Bytes)));
}
