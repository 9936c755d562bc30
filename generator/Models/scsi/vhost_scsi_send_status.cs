using VhostLog.Models.Kernel;

namespace VhostLog.Models;

// A command's SCSI status (TASK SET FULL when no command could be
// allocated). The first form had the single-iovec copy of the BAD TARGET
// answer; patch 3 gives it the iterator. Trees older than the function
// (6.1) have neither form. No kernel-doc: the tree documents neither.

public partial class BeforeFixes
{
    protected internal virtual void vhost_scsi_send_status(vhost_scsi vs, vhost_virtqueue vq,
                                                           int head, unsigned_int @out, u8 status)
    {
        UserPtr<virtio_scsi_cmd_resp> resp;
        virtio_scsi_cmd_resp rsp;
        int ret;

        rsp = default;
        rsp.status = status;
        resp = vq.iov[@out].iov_base;
        ret = (int)__copy_to_user(resp, ref rsp, sizeof_value(rsp));
        if (ret == 0)
            vhost_add_used_and_signal(vs.dev, vq, head, 0);
        else
            pr_err("Faulted on virtio_scsi_cmd_resp\n");
    }
}

public partial class SendStatusIter
{
    protected internal virtual void vhost_scsi_send_status(vhost_scsi vs, vhost_virtqueue vq,
                                                           vhost_scsi_ctx vc, u8 status)
    {
        virtio_scsi_cmd_resp rsp;
        iov_iter iov_iter;
        int ret;

        rsp = default;
        rsp.status = status;

        iov_iter_init(out iov_iter, ITER_DEST, ref vq.iov[vc.@out], vc.@in,
                      sizeof_value(rsp));

        ret = (int)copy_to_iter(ref rsp, sizeof_value(rsp), ref iov_iter);

        if (likely((size_t)ret == sizeof_value(rsp)))
            vhost_add_used_and_signal(vs.dev, vq, vc.head, 0);
        else
            pr_err("Faulted on virtio_scsi_cmd_resp\n");
    }
}
