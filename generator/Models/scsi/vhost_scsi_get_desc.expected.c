/* drivers/vhost/scsi.c, model state Baseline */
static int vhost_scsi_get_desc(struct vhost_scsi *vs,
			       struct vhost_virtqueue *vq,
			       struct vhost_scsi_ctx *vc)
{
	int ret = -ENXIO;

	vc->head = vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), &vc->out,
				     &vc->in, NULL, NULL);

	pr_debug("vhost_get_vq_desc: head: %d, out: %u in: %u\n", vc->head,
		 vc->out, vc->in);

	/* An error stops the queue until the guest kicks it again. */
	if (unlikely(vc->head < 0))
		goto done;

	/* No new buffer: wait for the guest to add some and kick. */
	if (vc->head == vq->num) {
		if (unlikely(vhost_enable_notify(&vs->dev, vq))) {
			vhost_disable_notify(&vs->dev, vq);
			ret = -EAGAIN;
		}
		goto done;
	}

	/*
	 * Sizes of the request and response buffers (bidirectional
	 * commands are not accounted for).
	 */
	vc->out_size = iov_length(vq->iov, vc->out);
	vc->in_size = iov_length(&vq->iov[vc->out], vc->in);

	/*
	 * The request header may span several iovecs (ANY_LAYOUT) or share
	 * one with the data of a WRITE; copy_from_iter() later leaves
	 * out_iter at the start of that data.
	 */
	iov_iter_init(&vc->out_iter, ITER_SOURCE, vq->iov, vc->out,
		      vc->out_size);
	ret = 0;

done:
	return ret;
}

/* drivers/vhost/scsi.c, model state GetDescLog */
static int vhost_scsi_get_desc(struct vhost_scsi *vs,
			       struct vhost_virtqueue *vq,
			       struct vhost_scsi_ctx *vc, struct vhost_log *log,
			       unsigned int *log_num)
{
	int ret = -ENXIO;

	/*
	 * vhost_get_vq_desc() sets log_num only once it gets past its
	 * first checks: its callers log log_num entries on every path.
	 */
	if (likely(log_num))
		*log_num = 0;

	vc->head = vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), &vc->out,
				     &vc->in, log, log_num);

	pr_debug("vhost_get_vq_desc: head: %d, out: %u in: %u\n", vc->head,
		 vc->out, vc->in);

	/* An error stops the queue until the guest kicks it again. */
	if (unlikely(vc->head < 0))
		goto done;

	/* No new buffer: wait for the guest to add some and kick. */
	if (vc->head == vq->num) {
		if (unlikely(vhost_enable_notify(&vs->dev, vq))) {
			vhost_disable_notify(&vs->dev, vq);
			ret = -EAGAIN;
		}
		goto done;
	}

	/*
	 * Sizes of the request and response buffers (bidirectional
	 * commands are not accounted for).
	 */
	vc->out_size = iov_length(vq->iov, vc->out);
	vc->in_size = iov_length(&vq->iov[vc->out], vc->in);

	/*
	 * The request header may span several iovecs (ANY_LAYOUT) or share
	 * one with the data of a WRITE; copy_from_iter() later leaves
	 * out_iter at the start of that data.
	 */
	iov_iter_init(&vc->out_iter, ITER_SOURCE, vq->iov, vc->out,
		      vc->out_size);
	ret = 0;

done:
	return ret;
}

