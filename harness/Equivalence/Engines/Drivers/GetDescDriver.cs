using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Equivalence.Engines.Drivers;

/// <summary>
/// vhost_scsi_get_desc() on the virtqueue c.Ring, whose bytes go into user
/// memory first; in the form after patch 5 it is handed vq->log (NULL when
/// c.NullLog) and a log_num of <see cref="Wire.NotWritten"/>, in the form
/// before it (vs, vq, vc). The state is what vc, the virtqueue and the log
/// hold after it (PROTOCOL.md).
/// </summary>
public sealed class GetDescDriver : FunctionDriver
{
    public override Function Function => Function.vhost_scsi_get_desc;

    // Its form before patch 5 comes with Baseline, the one with the log with GetDescLog.
    public override bool Supports(BeforeFixes model, bool oldForm) => oldForm ? model is Baseline : model is GetDescLog;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        var (model, vq, c) = (call.Model, call.Vq, call.Case);
        var ring = c.Ring ?? throw new ArgumentException("a vhost_scsi_get_desc case needs a ring", nameof(call));
        foreach (var w in ring.Writes)
            if (!model.Runtime.Memory.TryWrite(w.Addr, w.Bytes.AsSpan()))
                throw new ArgumentException($"the write at 0x{w.Addr:x}+0x{w.Bytes.Length:x} lands outside the mapped ranges", nameof(call));
        vq.num = ring.Num;
        vq.desc = new UserPtr(ring.Desc);
        vq.avail = new UserPtr(ring.Avail);
        vq.last_avail_idx = ring.LastAvailIdx;
        vq.avail_idx = ring.AvailIdx;
        vq.used_flags = ring.UsedFlags;
        model.Runtime.AvailIdxAtNotify = ring.NotifyAvailIdx >= 0 ? (ushort)ring.NotifyAvailIdx : null;
        var vs = new vhost_scsi();
        var vc = new vhost_scsi_ctx();
        var logNum = new Ptr<uint>(Wire.NotWritten);
        var ret = call.OldForm
            ? call.As<Baseline>("vhost_scsi_get_desc() (it comes with Baseline)").vhost_scsi_get_desc(vs, vq, vc)
            : call.As<GetDescLog>("vhost_scsi_get_desc() in its form after patch 5 (it has the one before, (vs, vq, vc))")
                .vhost_scsi_get_desc(vs, vq, vc, c.NullLog ? null : vq.log, logNum);

        var logged = c.NullLog || logNum.Value == Wire.NotWritten ? 0 : (int)Math.Min(logNum.Value, Wire.UioMaxIov);
        var it = vc.out_iter;
        var start = it.iov is null ? IterState.NoIovecs : ReferenceEquals(it.iov, vq.iov) ? (ulong)it.first : IterState.Elsewhere;
        state = new GetDescState(vc.head, vc.@out, vc.@in, vc.out_size, vc.in_size,
            new IterState(it.data_source, start, it.iov_offset, it.nr_segs, it.count),
            vq.last_avail_idx, vq.avail_idx, vq.used_flags, logNum.Value,
            ModelValues.IovHash(vq.iov), ModelValues.LogHash(vq.log), ModelValues.IovHash(vq.indirect),
            // What the readable and the writable iovecs hold (the specification's sizes).
            ModelValues.IovBytes(vq.iov, 0, vc.@out), ModelValues.IovBytes(vq.iov, vc.@out, (ulong)vc.@out + vc.@in),
            ModelValues.LogEntries(vq.log.AsSpan(0, logged)));
        return ret;
    }

    static readonly vhost_virtqueue AsNew = new();

    public override void Forget(vhost_virtqueue vq, LogCase c)
    {
        var asNew = AsNew;
        Array.Clear(vq.iov);
        Array.Clear(vq.log);
        Array.Clear(vq.indirect);
        vq.num = asNew.num;
        vq.desc = asNew.desc;
        vq.avail = asNew.avail;
        vq.last_avail_idx = asNew.last_avail_idx;
        vq.avail_idx = asNew.avail_idx;
        vq.used_flags = asNew.used_flags;
    }
}
