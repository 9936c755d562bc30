using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class IoQueueLog
{
    /// <summary>log the write descriptors of a vhost-scsi request</summary>
    /// <param name="vq">the virtqueue the request came from</param>
    /// <param name="log">guest-physical ranges of its write descriptors</param>
    /// <param name="log_num">number of entries in log</param>
    /// <remarks>
    /// vhost-scsi cannot tell how much of a buffer the backend wrote, so
    /// every page of every write descriptor is logged. Nothing happens unless
    /// VHOST_F_LOG_ALL is set and there is something to log.
    /// </remarks>
    [InsertAfter("vhost_scsi_check_prot_fabric_only")]
    protected internal virtual void vhost_scsi_log_write(vhost_virtqueue vq, vhost_log[]? log,
                                                         unsigned_int log_num)
    {
        if (likely(!vhost_has_feature(vq, VHOST_F_LOG_ALL)))
            return;

        if (likely(log_num == 0 || log == null))
            return;

        // vhost-scsi does not offer VIRTIO_F_ACCESS_PLATFORM, so there is
        // no IOTLB to translate through.
        WARN_ON_ONCE(unlikely(vq.iotlb != null));
        vhost_log_write(vq, log!, log_num, U64_MAX, null, 0);
    }
}
