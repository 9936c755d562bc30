using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class IoQueueLog
{
    /// <summary>keep a request's write descriptors</summary>
    /// <param name="vq">the I/O virtqueue</param>
    /// <param name="cmd">the command the request became</param>
    /// <param name="log">write descriptors collected by vhost_get_vq_desc()</param>
    /// <param name="log_num">number of entries in log</param>
    /// <remarks>
    /// The command's buffer is allocated the first time it is needed, for
    /// as many descriptors as a chain may have, and kept when the command is
    /// reused.
    /// </remarks>
    /// <returns>0, or -ENOMEM when the buffer cannot be allocated.</returns>
    [InsertAfter("vhost_scsi_check_prot_fabric_only")]
    protected internal virtual int vhost_scsi_copy_cmd_log(vhost_virtqueue vq, vhost_scsi_cmd cmd,
                                                           vhost_log[] log, unsigned_int log_num)
    {
        if (cmd.tvc_log == null)
            cmd.tvc_log = kmalloc_array<vhost_log>(vq.dev.iov_limit,
                                                   sizeof_object(cmd.tvc_log),
                                                   GFP_KERNEL);

        if (unlikely(cmd.tvc_log == null)) {
            vq_err(vq, "Failed to alloc tvc_log\n");
            return -ENOMEM;
        }

        memcpy(cmd.tvc_log!, log, sizeof_object(cmd.tvc_log) * log_num);
        cmd.tvc_log_num = log_num;

        return 0;
    }
}
