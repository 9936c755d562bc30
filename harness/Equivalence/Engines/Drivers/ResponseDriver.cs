using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Equivalence.Engines.Drivers;

/// <summary>
/// vhost_scsi_send_status() or vhost_scsi_send_bad_target() on a request
/// whose iovecs are c.Iov: in the form patches 2 and 3 give them (vc
/// carrying head, out and in), or in the earlier (vs, vq, head, out) form
/// every state keeps, when the C has that one. The state is what the call
/// did with the used ring; the signals counted are the guest's.
/// </summary>
public sealed class ResponseDriver(Function function) : FunctionDriver
{
    public override Function Function { get; } = function is Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target
        ? function
        : throw new ArgumentException($"{function} is not a response function", nameof(function));

    bool Status => Function == Function.vhost_scsi_send_status;

    public override bool Supports(BeforeFixes model, bool oldForm) =>
        oldForm || (Status ? model is SendStatusIter : model is BadTargetIter);

    public override int Run(ModelCall call, out FunctionState? state)
    {
        var (model, vq, c) = (call.Model, call.Vq, call.Case);
        for (var i = 0; i < c.Iov.Length; i++)
            vq.iov[i] = new iovec { iov_base = new UserPtr(c.Iov[i].Base), iov_len = c.Iov[i].Len };
        var vs = new vhost_scsi();
        var vc = new vhost_scsi_ctx { head = c.Head, @out = (uint)c.Out, @in = (uint)c.In };
        const string driven = "form patches 2 and 3 give it (it has the one before, (vs, vq, head, out))";
        if (Status && call.OldForm)
            model.vhost_scsi_send_status(vs, vq, c.Head, (uint)c.Out, (byte)c.Kind);
        else if (Status)
            call.As<SendStatusIter>($"vhost_scsi_send_status() in the {driven}").vhost_scsi_send_status(vs, vq, vc, (byte)c.Kind);
        else if (call.OldForm)
            model.vhost_scsi_send_bad_target(vs, vq, c.Head, (uint)c.Out);
        else
            call.As<BadTargetIter>($"vhost_scsi_send_bad_target() in the {driven}").vhost_scsi_send_bad_target(vs, vq, vc, c.Kind);
        state = new ResponseState((ulong)vq.used.Count, (ulong)model.Runtime.VqErrors.Count,
            [.. vq.used.Take(ResponseState.UsedKept).Select(u => new UsedEntry((uint)u.Head, (uint)u.Len))]);
        return 0;
    }

    public override int Signals(vhost_virtqueue vq, eventfd_ctx? logCtx) => vq.used_signals;

    public override void Forget(vhost_virtqueue vq, LogCase c)
    {
        Array.Clear(vq.iov, 0, Math.Min(c.Iov.Length, vq.iov.Length));
        vq.used.Clear();
        vq.used_signals = 0;
    }
}
