using System.Collections.Immutable;
using VhostLog.Equivalence.Cases;

namespace VhostLog.Equivalence.Protocol;

/// <summary>
/// What a scsi.c function leaves behind besides memory, return value and
/// counters: the "state" of a response (harness/native/PROTOCOL.md). On the
/// wire it is a flat list of 64-bit values (<see cref="Observation.State"/>,
/// what the transport carries and what observations are compared on); each
/// record below reads it from that list and writes it back, the only code
/// that knows where a field sits in the list.
/// </summary>
public abstract record FunctionState
{
    /// <summary>The flat list the worker sends for this state; <see cref="Read(LogCase, ImmutableArray{ulong})"/> of it gives this state back.</summary>
    public abstract ImmutableArray<ulong> ToWire();

    /// <summary>The state observation <paramref name="o"/> of case <paramref name="c"/> carries, or null when it carries none.</summary>
    /// <exception cref="FormatException">the values do not have the layout of the case's function</exception>
    public static FunctionState? Read(LogCase c, Observation o) => Read(c, o.StateOrEmpty);

    /// <summary>
    /// The state a case's wire values describe, or null for none (a function
    /// without state, or a call that did not return). The case is needed
    /// because one layout, vhost_scsi_destroy_logs()'s, depends on it.
    /// </summary>
    /// <exception cref="FormatException">the values do not have the layout of the case's function</exception>
    public static FunctionState? Read(LogCase c, ImmutableArray<ulong> wire)
    {
        if (wire.IsDefaultOrEmpty)
            return null;
        var r = new WireReader(wire);
        FunctionState state = c.Function switch
        {
            Function.vhost_scsi_copy_cmd_log => CopyCmdLogState.Read(r),
            Function.vhost_scsi_copy_tmf_log => CopyTmfLogState.Read(r),
            Function.vhost_scsi_destroy_vq_log => DestroyVqLogState.Read(r),
            Function.vhost_scsi_destroy_logs => DestroyLogsState.Read(r, Math.Max(0, c.Out - 2)),
            Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target => ResponseState.Read(r),
            Function.vhost_scsi_get_desc => GetDescState.Read(r),
            _ => throw new FormatException($"{c.Function} reports no state, yet {wire.Length} value(s) came"),
        };
        r.End(c.Function);
        return state;
    }
}

/// <summary>Whether a command holds a log buffer (tvc_log set) and its tvc_log_num.</summary>
public readonly record struct CommandLog(bool LogSet, uint LogNum);

/// <summary>One entry vhost_add_used_and_signal() added: head and len as the 32-bit words it was handed.</summary>
public readonly record struct UsedEntry(uint Head, uint Len);

/// <summary>
/// What vhost_scsi_copy_cmd_log() left in the command: buffers
/// kmalloc_array() handed out, whether the command kept the buffer of an
/// earlier request, tvc_log_num, whether tvc_log is set, and every entry of
/// that buffer (iov_limit of them; none when it is NULL).
/// </summary>
public sealed record CopyCmdLogState(ulong Allocations, bool KeptEarlier, uint LogNum, bool LogSet, ImmutableArray<LogEntry> Buffer)
    : FunctionState
{
    /// <summary>The values before the buffer's entries (VL_COPY_CMD_LOG_FIXED).</summary>
    public const int FixedFields = 4;

    internal static CopyCmdLogState Read(WireReader r) => new(r.U64(), r.Bool(), r.U32(), r.Bool(), r.LogEntries());

    public override ImmutableArray<ulong> ToWire() =>
        new WireWriter(FixedFields + 2 * Buffer.Length).Add(Allocations).Add(KeptEarlier).Add(LogNum).Add(LogSet).Add(Buffer).Done();
}

/// <summary>
/// What vhost_scsi_copy_tmf_log() left in a new task management request:
/// buffers handed out, buffers live (handed out minus kfree()s of non-NULL),
/// bytes asked for, tmf_log_num, whether tmf_log is set, and its first
/// log_num entries (none when it is NULL).
/// </summary>
public sealed record CopyTmfLogState(ulong Allocations, long LiveBuffers, ulong AllocatedBytes, uint LogNum, bool LogSet, ImmutableArray<LogEntry> Log)
    : FunctionState
{
    /// <summary>The values before the log's entries (VL_COPY_TMF_LOG_FIXED).</summary>
    public const int FixedFields = 5;

    internal static CopyTmfLogState Read(WireReader r) => new(r.U64(), r.I64(), r.U64(), r.U32(), r.Bool(), r.LogEntries());

    public override ImmutableArray<ulong> ToWire() =>
        new WireWriter(FixedFields + 2 * Log.Length).Add(Allocations).Add(LiveBuffers).Add(AllocatedBytes).Add(LogNum).Add(LogSet).Add(Log).Done();
}

/// <summary>
/// What vhost_scsi_destroy_vq_log() left: buffers live (negative: more freed
/// than handed out), then each command of the virtqueue (none when
/// scsi_cmds is NULL).
/// </summary>
public sealed record DestroyVqLogState(long LiveBuffers, ImmutableArray<CommandLog> Commands) : FunctionState
{
    /// <summary>The values before the commands (VL_DESTROY_VQ_LOG_FIXED).</summary>
    public const int FixedFields = 1;

    internal static DestroyVqLogState Read(WireReader r) => new(r.I64(), r.Commands());

    public override ImmutableArray<ulong> ToWire() => new WireWriter(FixedFields + 2 * Commands.Length).Add(LiveBuffers).Add(Commands).Done();
}

/// <summary>
/// What vhost_scsi_destroy_logs() left in the device: buffers live, the
/// depth of each I/O queue's vq->mutex (0 when lock and unlock pair up),
/// then every command, queue after queue.
/// </summary>
public sealed record DestroyLogsState(long LiveBuffers, ImmutableArray<long> MutexDepths, ImmutableArray<CommandLog> Commands) : FunctionState
{
    /// <summary>The values before the mutex depths (VL_DESTROY_LOGS_FIXED).</summary>
    public const int FixedFields = 1;

    internal static DestroyLogsState Read(WireReader r, int ioQueues)
    {
        var live = r.I64();
        var depths = ImmutableArray.CreateBuilder<long>(ioQueues);
        for (var q = 0; q < ioQueues; q++)
            depths.Add(r.I64());
        return new(live, depths.MoveToImmutable(), r.Commands());
    }

    public override ImmutableArray<ulong> ToWire()
    {
        var w = new WireWriter(FixedFields + MutexDepths.Length + 2 * Commands.Length).Add(LiveBuffers);
        foreach (var depth in MutexDepths)
            w.Add(depth);
        return w.Add(Commands).Done();
    }
}

/// <summary>
/// What vhost_scsi_send_status() or vhost_scsi_send_bad_target() did with
/// the used ring: entries added, pr_err() calls, and the first
/// <see cref="UsedKept"/> entries.
/// </summary>
public sealed record ResponseState(ulong UsedCount, ulong PrErrs, ImmutableArray<UsedEntry> Used) : FunctionState
{
    /// <summary>The used entries a response lists (the worker keeps the first 8: VL_USED_KEPT).</summary>
    public const int UsedKept = 8;

    /// <summary>The values before the used entries (VL_RESPONSE_FIXED).</summary>
    public const int FixedFields = 2;

    internal static ResponseState Read(WireReader r)
    {
        var count = r.U64();
        var errors = r.U64();
        var used = ImmutableArray.CreateBuilder<UsedEntry>();
        while (r.Remaining > 0)
            used.Add(new UsedEntry(r.U32(), r.U32()));
        return new(count, errors, used.ToImmutable());
    }

    public override ImmutableArray<ulong> ToWire()
    {
        var w = new WireWriter(FixedFields + 2 * Used.Length).Add(UsedCount).Add(PrErrs);
        foreach (var u in Used)
            w.Add(u.Head).Add(u.Len);
        return w.Done();
    }
}

/// <summary>
/// Where an iov_iter reads: its direction, where it starts as an index into
/// vq->iov (<see cref="NoIovecs"/> when it has none, <see cref="Elsewhere"/>
/// outside vq->iov), its offset, segments and count.
/// </summary>
public readonly record struct IterState(ulong Direction, ulong Start, ulong Offset, ulong Segments, ulong Count)
{
    public const ulong NoIovecs = ulong.MaxValue, Elsewhere = ulong.MaxValue - 1;
}

/// <summary>
/// What vhost_scsi_get_desc() left in vc, the virtqueue and the log: vc's
/// head, out, in, out_size, in_size and out_iter; the virtqueue's
/// last_avail_idx, avail_idx and used_flags; log_num
/// (<see cref="Wire.NotWritten"/> when never written); FNV-1a hashes of all
/// of vq->iov, vq->log and vq->indirect; the bytes the readable and the
/// writable iovecs hold; and the first log_num log entries when the log was
/// passed and written.
/// </summary>
public sealed record GetDescState(
    int Head, uint Out, uint In, ulong OutSize, ulong InSize, IterState OutIter,
    ushort LastAvailIdx, ushort AvailIdx, ushort UsedFlags, uint LogNum,
    ulong IovHash, ulong LogHash, ulong IndirectHash, ulong ReadableBytes, ulong WritableBytes,
    ImmutableArray<LogEntry> Log) : FunctionState
{
    /// <summary>
    /// The values before the log entries, in wire order: the C header names
    /// each (VL_DESC_HEAD ... VL_DESC_WRITABLE_BYTES, then VL_DESC_FIXED), so
    /// the worker fills them by name; a test holds Read and ToWire to it.
    /// </summary>
    public static readonly ImmutableArray<string> FixedFieldNames =
    [
        "head", "out", "in", "out_size", "in_size",
        "iter_direction", "iter_start", "iter_offset", "iter_segments", "iter_count",
        "last_avail_idx", "avail_idx", "used_flags", "log_num",
        "iov_hash", "log_hash", "indirect_hash", "readable_bytes", "writable_bytes",
    ];

    /// <summary>How many values come before the log entries (VL_DESC_FIXED).</summary>
    public static int FixedFields => FixedFieldNames.Length;

    /// <summary>Whether the call wrote log_num.</summary>
    public bool LogNumWritten => LogNum != Wire.NotWritten;

    internal static GetDescState Read(WireReader r) => new(
        r.I32(), r.U32(), r.U32(), r.U64(), r.U64(), new IterState(r.U64(), r.U64(), r.U64(), r.U64(), r.U64()),
        r.U16(), r.U16(), r.U16(), r.U32(),
        r.U64(), r.U64(), r.U64(), r.U64(), r.U64(),
        r.LogEntries());

    public override ImmutableArray<ulong> ToWire() =>
        new WireWriter(FixedFields + 2 * Log.Length)
            .Add(unchecked((uint)Head)).Add(Out).Add(In).Add(OutSize).Add(InSize)
            .Add(OutIter.Direction).Add(OutIter.Start).Add(OutIter.Offset).Add(OutIter.Segments).Add(OutIter.Count)
            .Add(LastAvailIdx).Add(AvailIdx).Add(UsedFlags).Add(LogNum)
            .Add(IovHash).Add(LogHash).Add(IndirectHash).Add(ReadableBytes).Add(WritableBytes)
            .Add(Log).Done();
}

/// <summary>Reads a state's wire values in order, refusing a value its field cannot hold (a layout error, not a behaviour).</summary>
sealed class WireReader(ImmutableArray<ulong> wire)
{
    int next;

    public int Remaining => wire.Length - next;

    public ulong U64() => next < wire.Length
        ? wire[next++]
        : throw new FormatException($"the state ends after {wire.Length} value(s), before a field its layout has");

    public long I64() => unchecked((long)U64());

    public uint U32() => U64() is var v && v <= uint.MaxValue ? (uint)v : throw Wide(v, 32);

    /// <summary>A 32-bit two's complement value.</summary>
    public int I32() => unchecked((int)U32());

    public ushort U16() => U64() is var v && v <= ushort.MaxValue ? (ushort)v : throw Wide(v, 16);

    public bool Bool() => U64() switch
    {
        0 => false,
        1 => true,
        var v => throw new FormatException($"state value {next - 1} is 0x{v:x}, where 0 or 1 belongs"),
    };

    /// <summary>The remaining values as (addr, len) pairs.</summary>
    public ImmutableArray<LogEntry> LogEntries()
    {
        var entries = ImmutableArray.CreateBuilder<LogEntry>(Pairs());
        while (Remaining > 0)
            entries.Add(new LogEntry(U64(), U64()));
        return entries.MoveToImmutable();
    }

    /// <summary>The remaining values as (tvc_log set, tvc_log_num) pairs.</summary>
    public ImmutableArray<CommandLog> Commands()
    {
        var commands = ImmutableArray.CreateBuilder<CommandLog>(Pairs());
        while (Remaining > 0)
            commands.Add(new CommandLog(Bool(), U32()));
        return commands.MoveToImmutable();
    }

    int Pairs() => Remaining % 2 == 0
        ? Remaining / 2
        : throw new FormatException($"the state's last {Remaining} value(s) are not whole pairs");

    public void End(Function function)
    {
        if (Remaining != 0)
            throw new FormatException($"{function}'s state has {Remaining} value(s) more than its layout");
    }

    FormatException Wide(ulong v, int bits) => new($"state value {next - 1} is 0x{v:x}, wider than its {bits}-bit field");
}

/// <summary>Writes a state's wire values in order, as <see cref="WireReader"/> reads them (the engine builds one per case, so no per-entry garbage).</summary>
sealed class WireWriter(int count)
{
    readonly ImmutableArray<ulong>.Builder values = ImmutableArray.CreateBuilder<ulong>(count);

    public WireWriter Add(ulong v)
    {
        values.Add(v);
        return this;
    }

    public WireWriter Add(uint v) => Add((ulong)v);

    /// <summary>A signed value as its 64-bit two's complement.</summary>
    public WireWriter Add(long v) => Add(unchecked((ulong)v));

    public WireWriter Add(bool b) => Add(b ? 1UL : 0);

    public WireWriter Add(ImmutableArray<LogEntry> entries)
    {
        foreach (var e in entries)
            Add(e.Addr).Add(e.Len);
        return this;
    }

    public WireWriter Add(ImmutableArray<CommandLog> commands)
    {
        foreach (var c in commands)
            Add(c.LogSet).Add(c.LogNum);
        return this;
    }

    public ImmutableArray<ulong> Done() => values.Count == values.Capacity ? values.MoveToImmutable() : values.ToImmutable();
}
