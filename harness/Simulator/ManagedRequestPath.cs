using System.Collections.Immutable;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Simulator;

/// <summary>
/// The request path run on a model state in .NET. The model functions decide
/// what is logged; around them this class is the glue of the series
/// (templates/glue/*.cocci), applied as far as the state's patch reaches: a
/// state at least IoQueueLog has patch 6's glue, and so on.
/// </summary>
public sealed class ManagedRequestPath : IRequestPath
{
    // VHOST_F_LOG_ALL (the models' constant is protected to them).
    const int LogAllFeature = 26;

    // SAM_STAT_TASK_SET_FULL and scsi.c's TYPE_IO_CMD.
    const byte TaskSetFull = 0x28;
    const int TypeIoCmd = 0;

    // struct vring_used: __virtio16 flags; __virtio16 idx; struct vring_used_elem ring[];
    const ulong UsedIdxOffset = 2;
    const ulong UsedRingOffset = 4;
    const ulong UsedElemSize = 8;
    const ulong UsedIdxSize = 2;

    sealed record PendingTmf(vhost_scsi_tmf Tmf, int Head, ImmutableArray<GuestWrite> InBuffers);

    readonly Baseline model;
    // The device-writable buffers and the chain head of each command in flight, by tag.
    readonly Dictionary<int, (int Head, ImmutableArray<GuestWrite> InBuffers)> commands = [];
    readonly SortedSet<int> freeTags = [];
    readonly Dictionary<int, PendingTmf> tmfs = [];
    readonly ushort[] usedIdx = new ushort[3];
    vhost_scsi vs = new();
    DeviceLayout? layout;
    GuestRings? rings;
    int nextTmf;

    public ManagedRequestPath(Baseline model, string state)
    {
        this.model = model;
        State = state;
    }

    public string State { get; }

    DeviceLayout Layout => layout ?? throw new InvalidOperationException("Start() the request path first");

    vhost_virtqueue Vq(VirtQueue q) => vs.vqs[(int)q].vq;

    public void Start(DeviceLayout deviceLayout)
    {
        layout = deviceLayout;
        model.Runtime.Reset();
        // A migration makes far more kernel API calls than one equivalence case.
        model.Runtime.StepLimit = long.MaxValue;
        // As sim.c: the shared pages (rings, request buffers, indirect
        // tables) in user memory at GuestHva + gpa, and dev->umem one slot
        // over all of guest memory.
        var shared = Math.Min(GuestLayout.FirstDataPage, deviceLayout.GuestPages);
        model.Runtime.Memory.Map(GuestRings.GuestHva, shared * GuestLayout.PageSize);
        model.Runtime.Memory.Map(deviceLayout.LogBase, deviceLayout.BitmapBytes);
        var guest = new vhost_iotlb_map
        {
            start = 0, size = deviceLayout.GuestPages * GuestLayout.PageSize,
            last = deviceLayout.GuestPages * GuestLayout.PageSize - 1, addr = GuestRings.GuestHva, perm = 3,
        };
        var umem = new vhost_iotlb();
        umem.list.entries.Add(guest);
        var tables = deviceLayout.GuestPages > GuestLayout.IndirectTablePage;
        rings = new GuestRings(model.Runtime.Memory,
            [.. new[] { VirtQueue.Control, VirtQueue.Event, VirtQueue.Io }.Select(q =>
                (GuestLayout.DescTable(q), GuestLayout.AvailRing(q), deviceLayout.Queue(q).Num))],
            GuestLayout.IndirectTablePage * GuestLayout.PageSize, tables ? GuestLayout.PageSize : 0);
        vs = new vhost_scsi { vqs = [new(), new(), new()] };
        vs.dev.nvqs = vs.vqs.Length;
        foreach (var q in Enum.GetValues<VirtQueue>())
        {
            var vq = Vq(q);
            vq.dev = vs.dev;
            vq.num = deviceLayout.Queue(q).Num;
            vq.desc = new UserPtr(GuestRings.GuestHva + GuestLayout.DescTable(q));
            vq.avail = new UserPtr(GuestRings.GuestHva + GuestLayout.AvailRing(q));
            vq.umem = umem;
            // The device polls while it works: guest notifications off.
            vq.used_flags = 1;
            vq.acked_features = 1UL << LogAllFeature;
            vq.log_base = new UserPtr(deviceLayout.LogBase);
            vq.log_ctx = new eventfd_ctx();
            vq.iotlb = null; // vhost-scsi has no IOTLB: the log takes guest-physical addresses
        }
        var io = vs.vqs[(int)VirtQueue.Io];
        io.max_cmds = deviceLayout.CommandSlots;
        io.scsi_cmds = Enumerable.Range(0, deviceLayout.CommandSlots).Select(_ => new vhost_scsi_cmd()).ToArray();
        commands.Clear();
        freeTags.Clear();
        freeTags.UnionWith(Enumerable.Range(0, deviceLayout.CommandSlots));
        tmfs.Clear();
        Array.Clear(usedIdx);
    }

    /// <summary>
    /// The VMM switches logging on or off while the device runs, as QEMU does
    /// at the start and end of a migration: VHOST_F_LOG_ALL on every queue
    /// (VHOST_VRING_F_LOG goes with it), and from patch 6 on, clearing it
    /// frees the commands' logs (vhost_scsi_set_features()).
    /// </summary>
    public void SetLogging(bool on)
    {
        _ = Layout;
        var wasOn = LogAll(Vq(VirtQueue.Control));
        foreach (var q in Enum.GetValues<VirtQueue>())
            Vq(q).acked_features = on ? 1UL << LogAllFeature : 0;
        if (wasOn && !on && model is IoQueueLog io)
            io.vhost_scsi_destroy_logs(vs);
    }

    public void Post(VirtQueue queue, DescriptorChain chain) =>
        (rings ?? throw new InvalidOperationException("Start() the request path first")).Post(queue, chain);

    public int SubmitIo()
    {
        var vq = Vq(VirtQueue.Io);
        var (vc, vqLog, logNum) = GetDesc(vq, logged: model is IoQueueLog);
        var tag = freeTags.Count > 0 ? freeTags.Min : throw new InvalidOperationException("no free command: the guest posted more requests than the device has tags");
        freeTags.Remove(tag);
        // vhost_scsi_get_cmd(): memset() keeps tvc_log (patch 6 glue).
        var cmd = vs.vqs[(int)VirtQueue.Io].scsi_cmds![tag];
        cmd.tvc_vq = vq;
        cmd.tvc_log_num = 0;
        if (model is IoQueueLog io && vqLog is not null && logNum.Value != 0 &&
            io.vhost_scsi_copy_cmd_log(vq, cmd, vqLog, logNum.Value) != 0)
            throw new InvalidOperationException("vhost_scsi_copy_cmd_log() failed: the simulator injects no allocation failures");
        commands[tag] = (vc.head, InBuffers(vq, vc));
        return tag;
    }

    public ImmutableArray<GuestWrite> CompleteIo(int tag)
    {
        if (!commands.Remove(tag, out var command))
            throw new InvalidOperationException($"command {tag} is not in flight");
        var (head, inBuffers) = command;
        var vq = Vq(VirtQueue.Io);
        var cmd = vs.vqs[(int)VirtQueue.Io].scsi_cmds![tag];
        // The backend wrote the data-in buffers, copy_to_iter() the response,
        // then vhost_add_used() and (patch 6) the command's log.
        var used = AddUsed(VirtQueue.Io, head);
        if (model is IoQueueLog io)
            io.vhost_scsi_log_write(cmd.tvc_vq!, cmd.tvc_log, cmd.tvc_log_num);
        freeTags.Add(tag);
        return inBuffers.AddRange(used);
    }

    /// <summary>
    /// vhost_scsi_handle_vq for the next request while the log allocation
    /// fails (the boot stage's verification build injects it; here the
    /// model's kmalloc_array() is told to fail): the glue releases the
    /// command and answers at once, TASK SET FULL through
    /// vhost_scsi_send_status() where the tree has it, BAD TARGET where it
    /// does not (6.1), and logs the request. Exactly one answer, or the
    /// request protocol is broken (a <see cref="RequestProtocolException"/>).
    /// </summary>
    public ImmutableArray<GuestWrite> SubmitIoWithFailedLogAllocation(bool taskSetFull)
    {
        var vq = Vq(VirtQueue.Io);
        if (model is not IoQueueLog io)
            throw new InvalidOperationException($"{State} keeps no per-command log: there is no allocation to fail");
        var (vc, vqLog, logNum) = GetDesc(vq, logged: true);
        if (vqLog is null || logNum.Value == 0)
            throw new InvalidOperationException("the request has nothing to log (logging off, or no write descriptor): no allocation to fail");
        var tag = freeTags.Count > 0 ? freeTags.Min : throw new InvalidOperationException("no free command");
        var cmd = vs.vqs[(int)VirtQueue.Io].scsi_cmds![tag];
        cmd.tvc_vq = vq;
        cmd.tvc_log_num = 0;
        model.Runtime.AllocationsBeforeFailure = cmd.tvc_log is null ? 0 : null;
        var ret = io.vhost_scsi_copy_cmd_log(vq, cmd, vqLog, logNum.Value);
        model.Runtime.AllocationsBeforeFailure = null;
        if (ret == 0)
            throw new InvalidOperationException("the command already had its log buffer: vhost_scsi_copy_cmd_log() allocates only once");
        var answers = vq.used.Count;
        if (taskSetFull)
            ((SendStatusIter)model).vhost_scsi_send_status(vs, vq, vc, TaskSetFull);
        else
            ((BadTargetIter)model).vhost_scsi_send_bad_target(vs, vq, vc, TypeIoCmd);
        if (vq.used.Count - answers != 1)
            throw new RequestProtocolException($"{State}: a request whose log allocation failed got {vq.used.Count - answers} answers, not one");
        var writes = InBuffers(vq, vc).AddRange(AddUsed(VirtQueue.Io, vc.head));
        io.vhost_scsi_log_write(vq, vqLog, logNum.Value);
        return writes;
    }

    /// <summary>The next control request's TMF log cannot be allocated (see <see cref="SubmitIoWithFailedLogAllocation"/>).</summary>
    public ControlOutcome HandleControlWithFailedLogAllocation(ControlRequest request)
    {
        model.Runtime.AllocationsBeforeFailure = 0;
        try
        {
            return HandleControl(request);
        }
        finally
        {
            model.Runtime.AllocationsBeforeFailure = null;
        }
    }

    public ControlOutcome HandleControl(ControlRequest request)
    {
        var vq = Vq(VirtQueue.Control);
        var logged = model is CtlQueueLog;
        var (vc, vqLog, logNum) = GetDesc(vq, logged);
        var inBuffers = InBuffers(vq, vc);
        if (request == ControlRequest.LunReset)
        {
            var tmf = new vhost_scsi_tmf();
            var copyFailed = logged && vqLog is not null && logNum.Value != 0 &&
                             ((CtlQueueLog)model).vhost_scsi_copy_tmf_log(tmf, vqLog, logNum.Value) != 0;
            if (!copyFailed)
            {
                var id = nextTmf++;
                tmfs[id] = new PendingTmf(tmf, vc.head, inBuffers);
                return new ControlOutcome([], id);
            }
            // The glue rejects a TMF whose log cannot be kept, as below.
        }
        // A rejected TMF or an AN request: answered at once, then logged (patch 7).
        var used = AddUsed(VirtQueue.Control, vc.head);
        if (logged)
            ((IoQueueLog)model).vhost_scsi_log_write(vq, vqLog, logNum.Value);
        return new ControlOutcome(inBuffers.AddRange(used), null);
    }

    public ImmutableArray<GuestWrite> CompleteTmf(int pending)
    {
        if (!tmfs.Remove(pending, out var p))
            throw new InvalidOperationException($"TMF {pending} is not pending");
        var used = AddUsed(VirtQueue.Control, p.Head);
        if (model is CtlQueueLog ctl)
            ctl.vhost_scsi_log_write(Vq(VirtQueue.Control), p.Tmf.tmf_log, p.Tmf.tmf_log_num);
        return p.InBuffers.AddRange(used);
    }

    public ImmutableArray<GuestWrite> SendEvent()
    {
        var vq = Vq(VirtQueue.Event);
        var logged = model is EvtQueueLog;
        var vqLog = logged && LogAll(vq) ? vq.log : null;
        var logNum = logged ? new Ptr<uint>(0) : null;
        uint outNum = 0, inNum = 0;
        var head = model.vhost_get_vq_desc(vq, vq.iov, (uint)vq.iov.Length, ref outNum, ref inNum, vqLog, logNum);
        if (head < 0)
            throw new InvalidOperationException($"vhost_get_vq_desc() on the event queue: {head}");
        if (head == vq.num)
            return []; // no buffer: the kernel notes vs_events_missed
        if (vqLog is not null)
            CheckLogNum(logNum!.Value, inNum);
        var inBuffers = Enumerable.Range((int)outNum, (int)inNum)
            .Select(i => new GuestWrite((ulong)vq.iov[i].iov_base - GuestRings.GuestHva, vq.iov[i].iov_len)).ToImmutableArray();
        var used = AddUsed(VirtQueue.Event, head);
        if (logged)
            ((IoQueueLog)model).vhost_scsi_log_write(vq, vqLog, logNum!.Value);
        return inBuffers.AddRange(used);
    }

    public ImmutableArray<ulong> CollectDirtyPages()
    {
        var l = Layout;
        if (!model.Runtime.Memory.TryLocate(l.LogBase, out var bytes, out var offset))
            throw new InvalidOperationException("the dirty bitmap is not mapped");
        var bitmap = bytes.AsSpan(offset, (int)l.BitmapBytes);
        var pages = ImmutableArray.CreateBuilder<ulong>();
        var at = 0;
        int next;
        while (at < bitmap.Length && (next = bitmap[at..].IndexOfAnyExcept((byte)0)) >= 0)
        {
            at += next;
            for (var bit = 0; bit < 8; bit++)
                if ((bitmap[at] & (1 << bit)) != 0)
                    pages.Add((ulong)at * 8 + (ulong)bit);
            bitmap[at] = 0;
            at++;
        }
        return pages.ToImmutable();
    }

    static bool LogAll(vhost_virtqueue vq) => ((vq.acked_features >> LogAllFeature) & 1) != 0;

    /// <summary>
    /// vhost_scsi_get_desc() as the state's callers call it: three arguments
    /// before patch 5, NULL logs from patch 5 on, and vq->log while
    /// VHOST_F_LOG_ALL is set once the queue's own patch wires it in.
    /// </summary>
    (vhost_scsi_ctx Vc, vhost_log[]? VqLog, Ptr<uint> LogNum) GetDesc(vhost_virtqueue vq, bool logged)
    {
        var vc = new vhost_scsi_ctx();
        var logNum = new Ptr<uint>(0);
        vhost_log[]? vqLog = null;
        int ret;
        if (logged)
        {
            vqLog = LogAll(vq) ? vq.log : null;
            ret = ((GetDescLog)model).vhost_scsi_get_desc(vs, vq, vc, vqLog, logNum);
        }
        else if (model is GetDescLog withLog)
        {
            ret = withLog.vhost_scsi_get_desc(vs, vq, vc, null, null);
        }
        else
        {
            ret = model.vhost_scsi_get_desc(vs, vq, vc);
        }
        if (ret != 0)
            throw new InvalidOperationException($"vhost_scsi_get_desc() returned {ret}: the guest posted no valid request");
        if (vqLog is not null)
            CheckLogNum(logNum.Value, vc.@in);
        return (vc, vqLog, logNum);
    }

    /// <summary>The largest log_num the model's descriptor collection returned with a log (0: none yet).</summary>
    public uint MaxLogNum { get; private set; }

    /// <summary>
    /// What chains checks of the tree, checked of the model on every chain
    /// the device takes with a log: log_num &lt;= in_num &lt;= iov_limit.
    /// </summary>
    void CheckLogNum(uint logNum, uint inNum)
    {
        if (logNum > inNum || inNum > (uint)vs.dev.iov_limit)
            throw new LogNumBoundException(
                $"log_num {logNum} <= in_num {inNum} <= iov_limit {vs.dev.iov_limit} does not hold after {State}'s vhost_get_vq_desc()");
        MaxLogNum = Math.Max(MaxLogNum, logNum);
    }

    /// <summary>The chain's device-writable buffers (response and data-in), as the command keeps them.</summary>
    static ImmutableArray<GuestWrite> InBuffers(vhost_virtqueue vq, vhost_scsi_ctx vc) =>
        Enumerable.Range((int)vc.@out, (int)vc.@in)
            .Select(i => new GuestWrite((ulong)vq.iov[i].iov_base - GuestRings.GuestHva, vq.iov[i].iov_len)).ToImmutableArray();

    /// <summary>
    /// vhost_add_used(): the used element (its head and length do not matter
    /// to the log), then the index, each logged by
    /// log_used() (log_write() at the used ring's guest-physical address;
    /// QEMU sets VHOST_VRING_F_LOG together with VHOST_F_LOG_ALL). Before and
    /// after the series alike.
    /// </summary>
    ImmutableArray<GuestWrite> AddUsed(VirtQueue q, int head)
    {
        var vq = Vq(q);
        var ring = Layout.Queue(q);
        var elem = new GuestWrite(ring.UsedRingGpa + UsedRingOffset + UsedElemSize * (usedIdx[(int)q] % ring.Num), UsedElemSize);
        var idx = new GuestWrite(ring.UsedRingGpa + UsedIdxOffset, UsedIdxSize);
        usedIdx[(int)q]++;
        if (LogAll(vq))
        {
            foreach (var w in new[] { elem, idx })
            {
                var r = model.log_write(vq.log_base, w.Gpa, w.Length);
                if (r < 0)
                    throw new InvalidOperationException($"log_used() failed with {r}: the bitmap does not cover 0x{w.Gpa:x}");
            }
            if (vq.log_ctx is not null)
                vq.log_ctx.signals++;
        }
        // The guest takes the chain back.
        rings!.Reclaim(q, head);
        return [elem, idx];
    }
}

/// <summary>A request got other than exactly one answer on the model: the request protocol is broken (a check failed, exit 1).</summary>
public sealed class RequestProtocolException(string message) : InvalidOperationException(message);

/// <summary>The model's descriptor collection broke log_num &lt;= in_num &lt;= iov_limit: a check failed (exit 1).</summary>
public sealed class LogNumBoundException(string message) : InvalidOperationException(message);
