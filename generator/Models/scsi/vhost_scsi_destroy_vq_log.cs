using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class IoQueueLog
{
    /// <summary>free the log buffers of a virtqueue's commands</summary>
    /// <param name="vq">an I/O virtqueue, with its mutex held or no longer in use</param>
    [InsertAfter("vhost_scsi_flush")]
    protected internal virtual void vhost_scsi_destroy_vq_log(vhost_virtqueue vq)
    {
        vhost_scsi_virtqueue svq = container_of<vhost_scsi_virtqueue>(vq,
                                        nameof(vhost_scsi_virtqueue.vq));
        vhost_scsi_cmd tv_cmd;
        unsigned_int i;

        if (svq.scsi_cmds == null)
            return;

        for (i = 0; i < svq.max_cmds; i++) {
            tv_cmd = svq.scsi_cmds[i];
            kfree(tv_cmd.tvc_log);
            tv_cmd.tvc_log = null;
            tv_cmd.tvc_log_num = 0;
        }
    }

    /// <summary>free the command logs of every I/O virtqueue</summary>
    /// <param name="vs">the device, with its mutex held</param>
    /// <remarks>
    /// Called when VHOST_F_LOG_ALL is switched off: the buffers are allocated
    /// again if logging comes back.
    /// </remarks>
    [InsertAfter("vhost_scsi_flush")]
    protected internal virtual void vhost_scsi_destroy_logs(vhost_scsi vs)
    {
        vhost_virtqueue vq;
        int i;

        for (i = VHOST_SCSI_VQ_IO; i < vs.dev.nvqs; i++) {
            if (vs.vqs[i].scsi_cmds == null)
                continue;

            vq = vs.vqs[i].vq;
            mutex_lock(vq.mutex);
            vhost_scsi_destroy_vq_log(vq);
            mutex_unlock(vq.mutex);
        }
    }
}
