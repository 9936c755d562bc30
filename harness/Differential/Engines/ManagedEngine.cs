using System.Collections.Immutable;
using System.Runtime.InteropServices;
using VhostLog.Harness.Cases;
using VhostLog.Harness.Protocol;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Harness.Engines;

/// <summary>Runs cases on a model state in .NET (the managed kernel runtime).</summary>
public sealed class ManagedEngine
{
    // BeforeFixes, not Baseline: the states before Baseline (--state) have
    // only the response functions, in their earlier forms.
    readonly BeforeFixes model;

    public ManagedEngine(BeforeFixes model, string state)
    {
        this.model = model;
        State = state;
    }

    public string State { get; }

    /// <summary>The model state for --semantics: before is the tree as shipped, after the state of the last patch.</summary>
    public static ManagedEngine For(string semantics) => semantics switch
    {
        "before" => Create(ModelStates.Baseline),
        "after" => Create(ModelStates.Last),
        _ => throw new ArgumentException($"unknown semantics '{semantics}' (before or after)"),
    };

    static ManagedEngine Create(ModelStateInfo state) => new(state.Create(), state.Name);

    /// <summary>Every model state (generator/Models/States.cs), oldest first.</summary>
    public static IReadOnlyList<string> StateNames => ModelStates.Names;

    /// <summary>The model state of that name (equiv --state).</summary>
    /// <exception cref="ArgumentException">no model state has that name; the message lists them</exception>
    public static ManagedEngine ForState(string name) => Create(ModelStates.Find(name));

    /// <summary>
    /// The specification oracle's semantics for the state: "after" from the
    /// patch on that makes vhost_log_write() log whole descriptors for
    /// len == U64_MAX (BroaderLogWrite), "before" until then.
    /// </summary>
    public string OracleSemantics => model is BroaderLogWrite ? "after" : "before";

    /// <summary>
    /// The functions to run in their form before the patch that changes
    /// their signature, because the C compared has that form
    /// (VariantSource.OtherForms): the response functions before patches 2
    /// and 3, (vs, vq, head, out), and vhost_scsi_get_desc() before patch 5,
    /// (vs, vq, vc). The states --semantics picks (Baseline or later) have
    /// the fixed response forms; the earlier ones are BeforeFixes's methods,
    /// which every later state inherits unchanged (an overload, not an
    /// override), so calling one runs BeforeFixes's model of the function;
    /// Baseline's vhost_scsi_get_desc() is inherited the same way by the
    /// states after patch 5.
    /// </summary>
    public IReadOnlySet<Function> OldForms { get; set; } = new HashSet<Function>();

    /// <summary>
    /// Whether the model state has the function (the scsi.c log ones arrive
    /// with patches 6 and 7). Every state has both forms of the response
    /// functions (see OldForms).
    /// </summary>
    public bool Supports(Function function) => function switch
    {
        Function.log_write or Function.log_write_hva or Function.vhost_log_write => model is Baseline,
        // The form the C has (OldForms) must be one the state has: the vc form comes with patches 2 and 3.
        Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target => UsesOldForm(function) || HasDrivenForm(function),
        // Its form before patch 5 comes with Baseline, the one with the log with GetDescLog.
        Function.vhost_scsi_get_desc => UsesOldForm(function) ? model is Baseline : model is GetDescLog,
        Function.vhost_scsi_copy_tmf_log => model is CtlQueueLog,
        _ => model is IoQueueLog,
    };

    /// <summary>The state has the form patches 2 and 3 give the response function (vc carrying head, out and in).</summary>
    bool HasDrivenForm(Function function) =>
        function == Function.vhost_scsi_send_status ? model is SendStatusIter : model is BadTargetIter;

    bool UsesOldForm(Function function) => OldForms.Contains(function);

    Baseline Base => model as Baseline
        ?? throw new InvalidOperationException($"model state {State} has no vhost.c log functions (they come with Baseline)");

    public Observation Run(LogCase c)
    {
        model.Reset();
        model.AllocationsBeforeFailure = c.AllocationsBeforeFailure < 0 ? null : c.AllocationsBeforeFailure;
        foreach (var r in c.Mapped)
            model.Memory.Map(r.Start, r.Length);
        if (c.Fill != 0)
            model.Memory.Fill(c.Fill);
        var umem = new vhost_iotlb();
        foreach (var m in c.Umem)
            umem.list.entries.Add(new vhost_iotlb_map { start = m.Start, size = m.Size, last = m.Start + m.Size - 1, addr = m.Addr, perm = 3 });
        var ctx = c.LogCtx ? new eventfd_ctx() : null;
        var vq = FreshVirtqueue();
        vq.iotlb = c.Iotlb ? new vhost_iotlb() : null;
        vq.umem = umem;
        vq.log_base = new UserPtr(c.LogBase);
        vq.log_ctx = ctx;
        vq.acked_features = c.Features;
        vq.dev = new vhost_dev { iov_limit = c.IovLimit };
        FunctionState? state = null;
        var outcome = Outcome.Returned;
        var ret = 0;
        try
        {
            ret = c.Function switch
            {
                Function.log_write => Base.log_write(vq.log_base, c.Address, c.Length),
                Function.log_write_hva => Base.log_write_hva(vq, c.Address, c.Length),
                Function.vhost_log_write => Base.vhost_log_write(vq,
                    Entries(c.Log),
                    (uint)c.Log.Length, c.Length,
                    c.Iov.Select(v => new iovec { iov_base = new UserPtr(v.Base), iov_len = v.Len }).ToArray(),
                    c.Iov.Length),
                Function.vhost_scsi_log_write => ScsiLogWrite(vq, c),
                Function.vhost_scsi_copy_cmd_log => CopyCmdLog(vq, c, out state),
                Function.vhost_scsi_copy_tmf_log => CopyTmfLog(vq, c, out state),
                Function.vhost_scsi_destroy_vq_log => DestroyVqLog(c, out state),
                Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target => SendResponse(vq, c, out state),
                Function.vhost_scsi_get_desc => GetDesc(vq, c, out state),
                Function.vhost_scsi_destroy_logs => DestroyLogs(c, out state),
                _ => throw new ArgumentOutOfRangeException(nameof(c)),
            };
        }
        catch (KernelBugException)
        {
            outcome = Outcome.Bug;
        }
        catch (KernelHangException e)
        {
            return new Observation(Outcome.Timeout, 0, 0, [], e.Message);
        }
        var memory = ImmutableArray.CreateBuilder<ByteRun>();
        foreach (var (addr, count, value) in model.Memory.NonZeroRuns())
            ByteRun.Append(memory, new ByteRun(addr, count, value));
        // The response functions signal the guest (a used buffer), not the VMM's log eventfd.
        var signals = c.Function is Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target
            ? vq.used_signals : ctx?.signals ?? 0;
        ForgetResponse(vq, c);
        ForgetRing(vq, c);
        return new Observation(outcome, ret, signals, memory.ToImmutable(), "", model.Warnings, state?.ToWire() ?? []);
    }

    vhost_virtqueue? spare;

    // The fields FreshVirtqueue() knows how to check; a field added to the
    // model's struct must be added there too, or reuse would carry it over.
    static readonly string[] CheckedFields =
        ["dev", "mutex", "num", "acked_features", "iov", "log", "iotlb", "umem", "log_base", "log_ctx", "desc", "avail", "avail_idx",
         "last_avail_idx", "used_flags", "indirect", "used", "used_signals", "container"];

    static readonly vhost_virtqueue AsNew = new();

    static readonly bool FieldsKnown = typeof(vhost_virtqueue).GetFields().Select(f => f.Name).Order(StringComparer.Ordinal)
        .SequenceEqual(CheckedFields.Order(StringComparer.Ordinal));

    /// <summary>
    /// A virtqueue whose fields are as `new vhost_virtqueue()` makes them,
    /// except the ones Run sets for every case (dev, acked_features, iotlb,
    /// umem, log_base, log_ctx). Allocating its two 1024-entry arrays
    /// (32 KiB) cost more than a typical case, so the last case's virtqueue
    /// is reused when every other field is still as new; else a new one is
    /// made.
    /// </summary>
    vhost_virtqueue FreshVirtqueue()
    {
        if (!FieldsKnown)
            throw new InvalidOperationException($"{nameof(vhost_virtqueue)} has fields {nameof(FreshVirtqueue)} does not check; add them");
        var vq = spare;
        if (vq is null || vq.mutex.depth != AsNew.mutex.depth || vq.num != AsNew.num || vq.used.Count != 0
            || vq.desc != AsNew.desc || vq.avail != AsNew.avail || vq.avail_idx != AsNew.avail_idx
            || vq.last_avail_idx != AsNew.last_avail_idx || vq.used_flags != AsNew.used_flags
            || vq.used_signals != AsNew.used_signals
            || vq.container is not null
            || MemoryMarshal.AsBytes(vq.iov.AsSpan()).ContainsAnyExcept((byte)0) || vq.iov.Length != AsNew.iov.Length
            || MemoryMarshal.AsBytes(vq.log.AsSpan()).ContainsAnyExcept((byte)0) || vq.log.Length != AsNew.log.Length
            || MemoryMarshal.AsBytes(vq.indirect.AsSpan()).ContainsAnyExcept((byte)0) || vq.indirect.Length != AsNew.indirect.Length)
            spare = vq = new vhost_virtqueue();
        return vq;
    }

    IoQueueLog Scsi => model as IoQueueLog
        ?? throw new InvalidOperationException($"model state {State} has no vhost-scsi logging (patch 6)");

    int ScsiLogWrite(vhost_virtqueue vq, LogCase c)
    {
        Scsi.vhost_scsi_log_write(vq, c.NullLog ? null : Entries(c.Log), (uint)c.Log.Length);
        return 0;
    }

    int CopyCmdLog(vhost_virtqueue vq, LogCase c, out FunctionState? state)
    {
        vhost_log[]? earlier = null;
        if (c.PriorLog > 0)
        {
            earlier = new vhost_log[c.IovLimit];
            for (var i = 0; i < c.PriorLog; i++)
                earlier[i] = new vhost_log { addr = LogCase.PriorEntry(i).Addr, len = LogCase.PriorEntry(i).Len };
        }
        var cmd = new vhost_scsi_cmd { tvc_vq = vq, tvc_log = earlier, tvc_log_num = (uint)c.PriorLog };
        // The caller's array is vq->log, which holds iov_limit entries.
        var log = new vhost_log[c.IovLimit];
        Entries(c.Log).CopyTo(log, 0);
        var ret = Scsi.vhost_scsi_copy_cmd_log(vq, cmd, log, (uint)c.Log.Length);
        state = new CopyCmdLogState((ulong)model.LiveAllocations, earlier is not null && ReferenceEquals(cmd.tvc_log, earlier),
            cmd.tvc_log_num, cmd.tvc_log is not null, LogEntries(cmd.tvc_log ?? []));
        return ret;
    }

    CtlQueueLog Ctl => model as CtlQueueLog
        ?? throw new InvalidOperationException($"model state {State} has no control queue logging (patch 7)");

    int CopyTmfLog(vhost_virtqueue vq, LogCase c, out FunctionState? state)
    {
        // A new request: vhost_scsi_handle_tmf() zeroes it.
        var tmf = new vhost_scsi_tmf();
        var log = new vhost_log[c.IovLimit];
        Entries(c.Log).CopyTo(log, 0);
        var ret = Ctl.vhost_scsi_copy_tmf_log(tmf, log, (uint)c.Log.Length);
        // The worker reads log_num entries: what the request asked to keep.
        var kept = tmf.tmf_log is { } buffer
            ? Enumerable.Range(0, c.Log.Length).Select(i => i < buffer.Length ? new LogEntry(buffer[i].addr, buffer[i].len) : default).ToImmutableArray()
            : [];
        state = new CopyTmfLogState((ulong)model.Allocations, model.LiveAllocations, model.AllocatedBytes, tmf.tmf_log_num, tmf.tmf_log is not null, kept);
        return ret;
    }

    int DestroyVqLog(LogCase c, out FunctionState? state)
    {
        var commands = c.CommandsOrEmpty;
        var svq = new vhost_scsi_virtqueue { max_cmds = commands.Length };
        if (!c.NullCommands)
        {
            svq.scsi_cmds = new vhost_scsi_cmd[commands.Length];
            for (var k = 0; k < commands.Length; k++)
            {
                svq.scsi_cmds[k] = new vhost_scsi_cmd { tvc_vq = svq.vq, tvc_log_num = (uint)commands[k] };
                if (commands[k] > 0)
                {
                    var earlier = new vhost_log[c.IovLimit];
                    for (var i = 0; i < commands[k]; i++)
                        earlier[i] = new vhost_log { addr = LogCase.PriorEntry(i).Addr, len = LogCase.PriorEntry(i).Len };
                    svq.scsi_cmds[k].tvc_log = earlier;
                }
            }
        }
        svq.vq.dev.iov_limit = c.IovLimit;
        Scsi.vhost_scsi_destroy_vq_log(svq.vq);
        state = new DestroyVqLogState(model.LiveAllocations, CommandLogs(svq.scsi_cmds ?? []));
        return 0;
    }

    /// <summary>
    /// vhost_scsi_destroy_logs() on a device of c.Out virtqueues whose I/O
    /// queues hold c.In commands each (c.Commands, queue after queue); bit q
    /// of c.Kind leaves I/O queue q without commands. The state is the
    /// buffers live after, each I/O queue's mutex depth, then every command.
    /// </summary>
    int DestroyLogs(LogCase c, out FunctionState? state)
    {
        var commands = c.CommandsOrEmpty;
        var vs = new vhost_scsi { vqs = new vhost_scsi_virtqueue[c.Out] };
        vs.dev.nvqs = c.Out;
        var cmds = new vhost_scsi_cmd[commands.Length];
        for (var q = 0; q < c.Out; q++)
        {
            var svq = vs.vqs[q] = new vhost_scsi_virtqueue();
            svq.vq.dev.iov_limit = c.IovLimit;
            if (q < 2)
                continue;
            svq.max_cmds = c.In;
            var mine = new vhost_scsi_cmd[c.In];
            for (var k = 0; k < c.In; k++)
            {
                var n = commands[(q - 2) * c.In + k];
                mine[k] = cmds[(q - 2) * c.In + k] = new vhost_scsi_cmd { tvc_vq = svq.vq, tvc_log_num = (uint)n, tvc_log = n > 0 ? PriorBuffer(c.IovLimit, n) : null };
            }
            svq.scsi_cmds = ((c.Kind >> (q - 2)) & 1) != 0 ? null : mine;
        }
        Scsi.vhost_scsi_destroy_logs(vs);
        state = new DestroyLogsState(model.LiveAllocations,
            [.. vs.vqs.Skip(2).Select(svq => (long)svq.vq.mutex.depth)], CommandLogs(cmds));
        return 0;
    }

    /// <summary>A command's buffer of iov_limit entries whose first n are an earlier request's log.</summary>
    static vhost_log[] PriorBuffer(int iovLimit, int n)
    {
        var earlier = new vhost_log[iovLimit];
        for (var i = 0; i < n; i++)
            earlier[i] = new vhost_log { addr = LogCase.PriorEntry(i).Addr, len = LogCase.PriorEntry(i).Len };
        return earlier;
    }

    /// <summary>
    /// vhost_scsi_send_status() or vhost_scsi_send_bad_target() (fixed
    /// forms) on a request whose iovecs are c.Iov; the state is what it did
    /// with the used ring.
    /// </summary>
    int SendResponse(vhost_virtqueue vq, LogCase c, out FunctionState? state)
    {
        for (var i = 0; i < c.Iov.Length; i++)
            vq.iov[i] = new iovec { iov_base = new UserPtr(c.Iov[i].Base), iov_len = c.Iov[i].Len };
        var vs = new vhost_scsi();
        var vc = new vhost_scsi_ctx { head = c.Head, @out = (uint)c.Out, @in = (uint)c.In };
        var old = OldForms.Contains(c.Function);
        if (c.Function == Function.vhost_scsi_send_status && old)
            model.vhost_scsi_send_status(vs, vq, c.Head, (uint)c.Out, (byte)c.Kind);
        else if (c.Function == Function.vhost_scsi_send_status)
            (model as SendStatusIter ?? throw NoDrivenForm(c.Function)).vhost_scsi_send_status(vs, vq, vc, (byte)c.Kind);
        else if (old)
            model.vhost_scsi_send_bad_target(vs, vq, c.Head, (uint)c.Out);
        else
            (model as BadTargetIter ?? throw NoDrivenForm(c.Function)).vhost_scsi_send_bad_target(vs, vq, vc, c.Kind);
        state = new ResponseState((ulong)vq.used.Count, (ulong)model.VqErrors.Count,
            [.. vq.used.Take(ResponseState.UsedKept).Select(u => new UsedEntry((uint)u.Head, (uint)u.Len))]);
        return 0;
    }

    /// <summary>
    /// vhost_scsi_get_desc() on the virtqueue c.Ring, whose bytes go into
    /// user memory first; in the form after patch 5 it is handed vq->log
    /// (NULL when c.NullLog) and a log_num of <see cref="Wire.NotWritten"/>. The
    /// state is what vc, the virtqueue and the log hold after it (PROTOCOL.md).
    /// </summary>
    int GetDesc(vhost_virtqueue vq, LogCase c, out FunctionState? state)
    {
        var ring = c.Ring ?? throw new ArgumentException("a vhost_scsi_get_desc case needs a ring", nameof(c));
        foreach (var w in ring.Writes)
            if (!model.Memory.TryWrite(w.Addr, w.Bytes.AsSpan()))
                throw new ArgumentException($"the write at 0x{w.Addr:x}+0x{w.Bytes.Length:x} lands outside the mapped ranges", nameof(c));
        vq.num = ring.Num;
        vq.desc = new UserPtr(ring.Desc);
        vq.avail = new UserPtr(ring.Avail);
        vq.last_avail_idx = ring.LastAvailIdx;
        vq.avail_idx = ring.AvailIdx;
        vq.used_flags = ring.UsedFlags;
        model.AvailIdxAtNotify = ring.NotifyAvailIdx >= 0 ? (ushort)ring.NotifyAvailIdx : null;
        var vs = new vhost_scsi();
        var vc = new vhost_scsi_ctx();
        var logNum = new Ptr<uint>(Wire.NotWritten);
        var ret = OldForms.Contains(Function.vhost_scsi_get_desc)
            ? Base.vhost_scsi_get_desc(vs, vq, vc)
            : (model as GetDescLog ?? throw NoDrivenForm(Function.vhost_scsi_get_desc))
                .vhost_scsi_get_desc(vs, vq, vc, c.NullLog ? null : vq.log, logNum);

        var logged = c.NullLog || logNum.Value == Wire.NotWritten ? 0 : (int)Math.Min(logNum.Value, Wire.UioMaxIov);
        var it = vc.out_iter;
        var start = it.iov is null ? IterState.NoIovecs : ReferenceEquals(it.iov, vq.iov) ? (ulong)it.first : IterState.Elsewhere;
        state = new GetDescState(vc.head, vc.@out, vc.@in, vc.out_size, vc.in_size,
            new IterState(it.data_source, start, it.iov_offset, it.nr_segs, it.count),
            vq.last_avail_idx, vq.avail_idx, vq.used_flags, logNum.Value,
            IovHash(vq.iov), LogHash(vq.log), IovHash(vq.indirect),
            // What the readable and the writable iovecs hold (the specification's sizes).
            IovBytes(vq.iov, 0, vc.@out), IovBytes(vq.iov, vc.@out, (ulong)vc.@out + vc.@in),
            LogEntries(vq.log.AsSpan(0, logged)));
        return ret;
    }

    /// <summary>The bytes of iov[from .. to), to at most UIO_MAXIOV (as the worker sums them).</summary>
    static ulong IovBytes(iovec[] iov, ulong from, ulong to)
    {
        var total = 0UL;
        for (var i = from; i < Math.Min(to, (ulong)Wire.UioMaxIov); i++)
            total += iov[i].iov_len;
        return total;
    }

    /// <summary>
    /// FNV-1a over the iovecs, a 64-bit word at a time (base, then length),
    /// as the worker and the chains driver hash them.
    /// </summary>
    public static ulong IovHash(ReadOnlySpan<iovec> iov)
    {
        var n = iov.Length;
        while (n > 0 && iov[n - 1].iov_base.Value == 0 && iov[n - 1].iov_len == 0)
            n--;
        var h = Wire.Fnv1a.OffsetBasis;
        foreach (var v in iov[..n])
            h = Wire.Fnv1a.Step(Wire.Fnv1a.Step(h, v.iov_base.Value), v.iov_len);
        return Wire.Fnv1a.ZeroWords(h, 2 * (ulong)(iov.Length - n));
    }

    static ulong LogHash(ReadOnlySpan<vhost_log> log)
    {
        var n = log.Length;
        while (n > 0 && log[n - 1].addr == 0 && log[n - 1].len == 0)
            n--;
        var h = Wire.Fnv1a.OffsetBasis;
        foreach (var e in log[..n])
            h = Wire.Fnv1a.Step(Wire.Fnv1a.Step(h, e.addr), e.len);
        return Wire.Fnv1a.ZeroWords(h, 2 * (ulong)(log.Length - n));
    }

    /// <summary>Leaves the virtqueue as new after vhost_scsi_get_desc() (FreshVirtqueue reuses it).</summary>
    static void ForgetRing(vhost_virtqueue vq, LogCase c)
    {
        if (c.Function != Function.vhost_scsi_get_desc)
            return;
        Array.Clear(vq.iov);
        Array.Clear(vq.log);
        Array.Clear(vq.indirect);
        vq.num = AsNew.num;
        vq.desc = AsNew.desc;
        vq.avail = AsNew.avail;
        vq.last_avail_idx = AsNew.last_avail_idx;
        vq.avail_idx = AsNew.avail_idx;
        vq.used_flags = AsNew.used_flags;
    }

    InvalidOperationException NoDrivenForm(Function function) =>
        new(function == Function.vhost_scsi_get_desc
            ? $"model state {State} has {function}() only in its form before patch 5 (vs, vq, vc)"
            : $"model state {State} has {function}() only in its form before patches 2 and 3 (vs, vq, head, out)");

    /// <summary>Leaves the virtqueue as new for the next case (FreshVirtqueue reuses it).</summary>
    static void ForgetResponse(vhost_virtqueue vq, LogCase c)
    {
        if (c.Function is not (Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target))
            return;
        Array.Clear(vq.iov, 0, Math.Min(c.Iov.Length, vq.iov.Length));
        vq.used.Clear();
        vq.used_signals = 0;
    }

    static ImmutableArray<LogEntry> LogEntries(ReadOnlySpan<vhost_log> buffer)
    {
        var entries = ImmutableArray.CreateBuilder<LogEntry>(buffer.Length);
        foreach (var e in buffer)
            entries.Add(new LogEntry(e.addr, e.len));
        return entries.MoveToImmutable();
    }

    static ImmutableArray<CommandLog> CommandLogs(IEnumerable<vhost_scsi_cmd> commands) =>
        [.. commands.Select(cmd => new CommandLog(cmd.tvc_log is not null, cmd.tvc_log_num))];

    static vhost_log[] Entries(ImmutableArray<LogEntry> log) =>
        log.Select(l => new vhost_log { addr = l.Addr, len = l.Len }).ToArray();
}
