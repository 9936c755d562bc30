using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class CtlQueueLog
{
    /// <summary>keep a task management request's write descriptors</summary>
    /// <param name="tmf">the request, until its response is sent</param>
    /// <param name="log">write descriptors collected by vhost_get_vq_desc()</param>
    /// <param name="log_num">number of entries in log, at least one</param>
    /// <remarks>
    /// The response is sent later, from the TMF work, and logged there.
    /// The copy is freed with the request.
    /// </remarks>
    /// <returns>0, or -ENOMEM when the copy cannot be allocated.</returns>
    [InsertAfter("vhost_scsi_tmf_flush_work", "vhost_scsi_tmf_resp_work")]
    protected internal virtual int vhost_scsi_copy_tmf_log(vhost_scsi_tmf tmf, vhost_log[] log,
                                                           unsigned_int log_num)
    {
        tmf.tmf_log = kmalloc_array<vhost_log>(log_num, sizeof_object(tmf.tmf_log),
                                               GFP_KERNEL);
        if (unlikely(tmf.tmf_log == null)) {
            pr_err("vhost_scsi tmf log allocation error\n");
            return -ENOMEM;
        }

        memcpy(tmf.tmf_log!, log, sizeof_object(tmf.tmf_log) * log_num);
        tmf.tmf_log_num = log_num;

        return 0;
    }
}
