/* drivers/vhost/scsi.c, model state IoQueueLog */
/**
 * vhost_scsi_log_write() - Log the write descriptors of a vhost-scsi request
 * @vq: The virtqueue the request came from
 * @log: Guest-physical ranges of its write descriptors
 * @log_num: Number of entries in log
 *
 * vhost-scsi cannot tell how much of a buffer the backend wrote, so every page
 * of every write descriptor is logged. Nothing happens unless VHOST_F_LOG_ALL
 * is set and there is something to log.
 */
static void vhost_scsi_log_write(struct vhost_virtqueue *vq,
				 struct vhost_log *log, unsigned int log_num)
{
	if (likely(!vhost_has_feature(vq, VHOST_F_LOG_ALL)))
		return;

	if (likely(!log_num || !log))
		return;

	/*
	 * vhost-scsi does not offer VIRTIO_F_ACCESS_PLATFORM, so there is
	 * no IOTLB to translate through.
	 */
	WARN_ON_ONCE(unlikely(vq->iotlb));
	vhost_log_write(vq, log, log_num, U64_MAX, NULL, 0);
}

