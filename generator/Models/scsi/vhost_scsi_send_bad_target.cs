using System.Runtime.InteropServices;
using VhostLog.Models.Kernel;

namespace VhostLog.Models;

// The BAD TARGET answer to a request for a LUN that does not exist. Before
// patch 2 it assumed the response fits the first response iovec and is a
// command response; a guest that splits the response (ANY_LAYOUT) or asks
// on the control queue got bytes written where they do not belong. No
// kernel-doc: the tree documents neither form.

public partial class BeforeFixes
{
    protected internal virtual void vhost_scsi_send_bad_target(vhost_scsi vs, vhost_virtqueue vq,
                                                               int head, unsigned_int @out)
    {
        UserPtr<virtio_scsi_cmd_resp> resp;
        virtio_scsi_cmd_resp rsp;
        int ret;

        rsp = default;
        rsp.response = VIRTIO_SCSI_S_BAD_TARGET;
        resp = vq.iov[@out].iov_base;
        ret = (int)__copy_to_user(resp, ref rsp, sizeof_value(rsp));
        if (ret == 0)
            vhost_add_used_and_signal(vs.dev, vq, head, 0);
        else
            pr_err("Faulted on virtio_scsi_cmd_resp\n");
    }
}

/// <summary>The three responses BAD TARGET can be, sharing one buffer.</summary>
[AnonymousUnion]
[StructLayout(LayoutKind.Explicit)]
public struct vhost_scsi_bad_target_rsp
{
    [FieldOffset(0)] public virtio_scsi_cmd_resp cmd;
    [FieldOffset(0)] public virtio_scsi_ctrl_tmf_resp tmf;
    [FieldOffset(0)] public virtio_scsi_ctrl_an_resp an;
}

public partial class BadTargetIter
{
    // The response is as long as its type says, and goes through an iterator
    // over every response iovec the guest gave.
    protected internal virtual void vhost_scsi_send_bad_target(vhost_scsi vs, vhost_virtqueue vq,
                                                               vhost_scsi_ctx vc, int type)
    {
        vhost_scsi_bad_target_rsp rsp;
        iov_iter iov_iter;
        size_t rsp_size;
        int ret;

        rsp = default;

        if (type == TYPE_IO_CMD) {
            rsp_size = sizeof_struct<virtio_scsi_cmd_resp>();
            rsp.cmd.response = VIRTIO_SCSI_S_BAD_TARGET;
        } else if (type == TYPE_CTRL_TMF) {
            rsp_size = sizeof_struct<virtio_scsi_ctrl_tmf_resp>();
            rsp.tmf.response = VIRTIO_SCSI_S_BAD_TARGET;
        } else {
            rsp_size = sizeof_struct<virtio_scsi_ctrl_an_resp>();
            rsp.an.response = VIRTIO_SCSI_S_BAD_TARGET;
        }

        iov_iter_init(out iov_iter, ITER_DEST, ref vq.iov[vc.@out], vc.@in,
                      rsp_size);

        ret = (int)copy_to_iter(ref rsp, rsp_size, ref iov_iter);

        if (likely((size_t)ret == rsp_size))
            vhost_add_used_and_signal(vs.dev, vq, vc.head, 0);
        else
            pr_err("Faulted on virtio scsi type=%d\n", type);
    }
}
