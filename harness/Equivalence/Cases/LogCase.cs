using System.Collections.Immutable;
using VhostLog.Equivalence.Protocol;

namespace VhostLog.Equivalence.Cases;

/// <summary>
/// The function a case calls: three of vhost.c, four of scsi.c new in the
/// series, scsi.c's two response functions (in every tree, fixed by
/// patches 2 and 3), and scsi.c's vhost_scsi_get_desc() over the tree's
/// descriptor collection (in every tree; patch 5 passes it the log).
/// </summary>
public enum Function
{
    log_write = 0,
    log_write_hva = 1,
    vhost_log_write = 2,
    vhost_scsi_log_write = 3,
    vhost_scsi_copy_cmd_log = 4,
    vhost_scsi_copy_tmf_log = 5,
    vhost_scsi_destroy_vq_log = 6,
    vhost_scsi_send_status = 7,
    vhost_scsi_send_bad_target = 8,
    vhost_scsi_get_desc = 9,
    vhost_scsi_destroy_logs = 10,
}

/// <summary>A range of VMM user memory that is mapped (where the dirty bitmap may live).</summary>
public readonly record struct UserRange(ulong Start, ulong Length);

/// <summary>One entry of vq->umem: guest-physical Start, Size bytes, at host-virtual Addr.</summary>
public readonly record struct UmemMap(ulong Start, ulong Size, ulong Addr);

/// <summary>One struct vhost_log entry (guest-physical).</summary>
public readonly record struct LogEntry(ulong Addr, ulong Len);

/// <summary>One struct iovec (host-virtual).</summary>
public readonly record struct IoVec(ulong Base, ulong Len);

/// <summary>Bytes a case puts in user memory before the call (a descriptor table, the avail ring, an indirect table).</summary>
public readonly record struct MemoryWrite(ulong Addr, ImmutableArray<byte> Bytes);

/// <summary>
/// The virtqueue vhost_scsi_get_desc() takes a request from: vq->num, the
/// user addresses of the descriptor table (vq->desc) and the avail ring
/// (vq->avail), vq->last_avail_idx, vq->avail_idx and vq->used_flags as the
/// handler left them, and the bytes of user memory that hold the rings and
/// indirect tables. NotifyAvailIdx, when not negative, is the avail->idx the
/// guest publishes while vhost_enable_notify() runs (a buffer slipped in
/// between the two looks at the ring).
/// </summary>
public sealed record RingState(uint Num, ulong Desc, ulong Avail, ushort LastAvailIdx, ushort AvailIdx, ushort UsedFlags,
    int NotifyAvailIdx, ImmutableArray<MemoryWrite> Writes);

/// <summary>
/// One differential input. Address/Length are the (write_address,
/// write_length) of log_write, the (hva, len) of log_write_hva and
/// (unused, len) of vhost_log_write; log_num is Log.Length and count is
/// Iov.Length. vhost_scsi_log_write gets Log (a NULL pointer when NullLog,
/// else a valid one even when empty, as a command's tvc_log is) with
/// vq->acked_features = Features. vhost_scsi_copy_cmd_log gets Log for a
/// command on a device with iov_limit IovLimit; PriorLog > 0 means the command
/// is reused and already holds a buffer of IovLimit entries whose first
/// PriorLog are an earlier request's; AllocationsBeforeFailure (negative:
/// none fail) is the fault injection of kmalloc_array().
/// vhost_scsi_copy_tmf_log gets Log (at least one entry, at most IovLimit)
/// for a new task management request. vhost_scsi_destroy_vq_log gets an I/O
/// virtqueue of Commands.Length commands (max_cmds); command i holds a
/// buffer of IovLimit entries whose first Commands[i] are an earlier log, or
/// no buffer when Commands[i] is 0; NullCommands leaves scsi_cmds NULL (as
/// vhost_scsi_destroy_vq_cmds() does, keeping max_cmds).
/// vhost_scsi_send_status and vhost_scsi_send_bad_target get a request
/// whose iovecs are Iov (vq->iov[0..]), with vc->head = Head, vc->out = Out
/// and vc->in = In, so the response goes to vq->iov[Out .. Out + In); Kind
/// is the status byte or the response type (TYPE_IO_CMD 0, TYPE_CTRL_TMF 1,
/// TYPE_CTRL_AN 2, anything else answered as AN). Every mapped byte starts
/// as Fill (0 for the other functions), so a response's zero bytes show.
/// vhost_scsi_destroy_logs gets a device of Out virtqueues (dev.nvqs: the
/// control queue, the event queue, then Out - 2 I/O queues) of In commands
/// each (max_cmds); Commands holds every I/O queue's commands, queue after
/// queue, as for vhost_scsi_destroy_vq_log; bit q of Kind leaves I/O queue
/// q's scsi_cmds NULL (as vhost_scsi_destroy_vq_cmds() does).
/// vhost_scsi_get_desc gets the virtqueue Ring over umem Umem (every map
/// read-write, as vhost-scsi's memory table is), and in its form after
/// patch 5 the vq->log array of UIO_MAXIOV entries, or NULL when NullLog.
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
    ImmutableArray<IoVec> Iov,
    ulong Features = 0,
    int IovLimit = Wire.UioMaxIov,
    int PriorLog = 0,
    int AllocationsBeforeFailure = -1,
    bool NullLog = false,
    ImmutableArray<int> Commands = default,
    bool NullCommands = false,
    int Head = 0,
    int Out = 0,
    int In = 0,
    int Kind = 0,
    byte Fill = 0,
    RingState? Ring = null)
{
    public ImmutableArray<int> CommandsOrEmpty => Commands.IsDefault ? [] : Commands;

    /// <summary>The entry i of a reused command's earlier log (a pattern no generated log uses).</summary>
    public static LogEntry PriorEntry(int i) => new(0xdead_0000_0000UL + ((ulong)i << 12), (ulong)i + 1);
}

public enum Outcome { Returned, Bug, Crash, Timeout }

/// <summary>Count equal non-zero bytes of user memory at consecutive addresses from Addr.</summary>
public readonly record struct ByteRun(ulong Addr, ulong Count, byte Value)
{
    /// <summary>
    /// The maximal runs of bytes listed by ascending address (zero bytes
    /// dropped): one list of bytes has exactly one list of maximal runs, so
    /// comparing runs compares the bytes.
    /// </summary>
    public static ImmutableArray<ByteRun> Of(IEnumerable<(ulong Addr, byte Value)> bytes)
    {
        var runs = ImmutableArray.CreateBuilder<ByteRun>();
        foreach (var (addr, value) in bytes)
            Append(runs, new ByteRun(addr, 1, value));
        return runs.ToImmutable();
    }

    /// <summary>Adds a run after the last one, merging the two when they touch and hold the same byte.</summary>
    public static void Append(ImmutableArray<ByteRun>.Builder runs, ByteRun run)
    {
        if (run.Value == 0 || run.Count == 0)
            return;
        if (runs.Count > 0 && runs[^1] is var last && last.Value == run.Value && last.Addr + last.Count == run.Addr)
            runs[^1] = last with { Count = last.Count + run.Count };
        else
            runs.Add(run);
    }
}

/// <summary>
/// What one engine observed for one case. Memory is every non-zero byte of
/// mapped user memory after the call, as maximal runs (a saturated bitmap is
/// a few runs, not thousands of bytes). Warnings counts WARN_ON_ONCE hits;
/// State is what a scsi.c function leaves behind, in the flat form the worker
/// sends it (empty for the other functions and for calls that did not
/// return); <see cref="FunctionState.Read(LogCase, Observation)"/> names its fields.
/// </summary>
public sealed record Observation(
    Outcome Outcome,
    int Return,
    int Signals,
    ImmutableArray<ByteRun> Memory,
    string Detail,
    int Warnings = 0,
    ImmutableArray<ulong> State = default)
{
    public ImmutableArray<ulong> StateOrEmpty => State.IsDefault ? [] : State;

    ImmutableArray<ByteRun> MemoryOrEmpty => Memory.IsDefault ? [] : Memory;

    /// <summary>Every non-zero byte by ascending address (expanded from the runs; for reports and the specification oracle).</summary>
    public ImmutableArray<(ulong Addr, byte Value)> Bytes
    {
        get
        {
            var bytes = ImmutableArray.CreateBuilder<(ulong, byte)>(checked((int)ByteCount));
            foreach (var r in MemoryOrEmpty)
                for (var i = 0UL; i < r.Count; i++)
                    bytes.Add((r.Addr + i, r.Value));
            return bytes.MoveToImmutable();
        }
    }

    /// <summary>How many non-zero bytes memory holds.</summary>
    public ulong ByteCount => MemoryOrEmpty.Aggregate(0UL, (n, r) => n + r.Count);

    /// <summary>Equal behaviour: same outcome, return value, signals, warnings, command state and memory.</summary>
    public bool SameAs(Observation other) =>
        Outcome == other.Outcome
        && (Outcome is Outcome.Crash or Outcome.Timeout
            || ((Outcome != Outcome.Returned
                 || (Return == other.Return && Signals == other.Signals && Warnings == other.Warnings
                     && StateOrEmpty.AsSpan().SequenceEqual(other.StateOrEmpty.AsSpan())))
                && MemoryOrEmpty.AsSpan().SequenceEqual(other.MemoryOrEmpty.AsSpan())));
}
