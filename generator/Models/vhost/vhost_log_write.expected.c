/* drivers/vhost/vhost.c, model state Baseline */
int vhost_log_write(struct vhost_virtqueue *vq, struct vhost_log *log,
		    unsigned int log_num, u64 len, struct iovec *iov, int count)
{
	int i, r;

	/* Order the buffer writes before the dirty log writes. */
	smp_wmb();

	if (vq->iotlb) {
		for (i = 0; i < count; i++) {
			r = log_write_hva(vq, (uintptr_t)iov[i].iov_base,
					  iov[i].iov_len);
			if (r < 0)
				return r;
		}
		return 0;
	}

	for (i = 0; i < log_num; ++i) {
		u64 l = min(log[i].len, len);
		r = log_write(vq->log_base, log[i].addr, l);
		if (r < 0)
			return r;
		len -= l;
		if (!len) {
			if (vq->log_ctx)
				eventfd_signal(vq->log_ctx);
			return 0;
		}
	}
	/* The caller asked for more than its descriptors hold. */
	BUG();
	return 0;
}

/* drivers/vhost/vhost.c, model state BroaderLogWrite */
/**
 * vhost_log_write() - Log written buffers in the dirty page bitmap
 * @vq: The virtqueue the buffers belong to
 * @log: Guest-physical ranges of the write descriptors
 * @log_num: Number of entries in log
 * @len: Bytes written, counted from the first entry of log; the last descriptor
 *       may be used only in part (vhost-net receive buffers). U64_MAX logs
 *       every page of every descriptor.
 * @iov: Host-virtual ranges of the write descriptors, used when an IOTLB is set
 *       up
 * @count: Number of entries in iov
 *
 * Signals the log eventfd, if there is one, once the pages are logged.
 *
 * Return: 0 or the error of the first failing log write.
 */
int vhost_log_write(struct vhost_virtqueue *vq, struct vhost_log *log,
		    unsigned int log_num, u64 len, struct iovec *iov, int count)
{
	int i, r;

	/* Order the buffer writes before the dirty log writes. */
	smp_wmb();

	if (vq->iotlb) {
		for (i = 0; i < count; i++) {
			r = log_write_hva(vq, (uintptr_t)iov[i].iov_base,
					  iov[i].iov_len);
			if (r < 0)
				return r;
		}
		return 0;
	}

	for (i = 0; i < log_num; ++i) {
		u64 l = min(log[i].len, len);
		r = log_write(vq->log_base, log[i].addr, l);
		if (r < 0)
			return r;

		if (len != U64_MAX)
			len -= l;
	}

	if (vq->log_ctx)
		eventfd_signal(vq->log_ctx);

	return 0;
}

