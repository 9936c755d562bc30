/* drivers/vhost/scsi.c, model state BeforeFixes */
static void vhost_scsi_send_status(struct vhost_scsi *vs,
				   struct vhost_virtqueue *vq, int head,
				   unsigned int out, u8 status)
{
	struct virtio_scsi_cmd_resp __user *resp;
	struct virtio_scsi_cmd_resp rsp;
	int ret;

	memset(&rsp, 0, sizeof(rsp));
	rsp.status = status;
	resp = vq->iov[out].iov_base;
	ret = __copy_to_user(resp, &rsp, sizeof(rsp));
	if (!ret)
		vhost_add_used_and_signal(&vs->dev, vq, head, 0);
	else
		pr_err("Faulted on virtio_scsi_cmd_resp\n");
}

/* drivers/vhost/scsi.c, model state SendStatusIter */
static void vhost_scsi_send_status(struct vhost_scsi *vs,
				   struct vhost_virtqueue *vq,
				   struct vhost_scsi_ctx *vc, u8 status)
{
	struct virtio_scsi_cmd_resp rsp;
	struct iov_iter iov_iter;
	int ret;

	memset(&rsp, 0, sizeof(rsp));
	rsp.status = status;

	iov_iter_init(&iov_iter, ITER_DEST, &vq->iov[vc->out], vc->in,
		      sizeof(rsp));

	ret = copy_to_iter(&rsp, sizeof(rsp), &iov_iter);

	if (likely(ret == sizeof(rsp)))
		vhost_add_used_and_signal(&vs->dev, vq, vc->head, 0);
	else
		pr_err("Faulted on virtio_scsi_cmd_resp\n");
}

