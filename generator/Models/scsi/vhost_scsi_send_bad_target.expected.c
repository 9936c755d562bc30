/* drivers/vhost/scsi.c, model state BeforeFixes */
static void vhost_scsi_send_bad_target(struct vhost_scsi *vs,
				       struct vhost_virtqueue *vq, int head,
				       unsigned int out)
{
	struct virtio_scsi_cmd_resp __user *resp;
	struct virtio_scsi_cmd_resp rsp;
	int ret;

	memset(&rsp, 0, sizeof(rsp));
	rsp.response = VIRTIO_SCSI_S_BAD_TARGET;
	resp = vq->iov[out].iov_base;
	ret = __copy_to_user(resp, &rsp, sizeof(rsp));
	if (!ret)
		vhost_add_used_and_signal(&vs->dev, vq, head, 0);
	else
		pr_err("Faulted on virtio_scsi_cmd_resp\n");
}

/* drivers/vhost/scsi.c, model state BadTargetIter */
static void vhost_scsi_send_bad_target(struct vhost_scsi *vs,
				       struct vhost_virtqueue *vq,
				       struct vhost_scsi_ctx *vc, int type)
{
	union {
		struct virtio_scsi_cmd_resp cmd;
		struct virtio_scsi_ctrl_tmf_resp tmf;
		struct virtio_scsi_ctrl_an_resp an;
	} rsp;
	struct iov_iter iov_iter;
	size_t rsp_size;
	int ret;

	memset(&rsp, 0, sizeof(rsp));

	if (type == TYPE_IO_CMD) {
		rsp_size = sizeof(struct virtio_scsi_cmd_resp);
		rsp.cmd.response = VIRTIO_SCSI_S_BAD_TARGET;
	} else if (type == TYPE_CTRL_TMF) {
		rsp_size = sizeof(struct virtio_scsi_ctrl_tmf_resp);
		rsp.tmf.response = VIRTIO_SCSI_S_BAD_TARGET;
	} else {
		rsp_size = sizeof(struct virtio_scsi_ctrl_an_resp);
		rsp.an.response = VIRTIO_SCSI_S_BAD_TARGET;
	}

	iov_iter_init(&iov_iter, ITER_DEST, &vq->iov[vc->out], vc->in,
		      rsp_size);

	ret = copy_to_iter(&rsp, rsp_size, &iov_iter);

	if (likely(ret == rsp_size))
		vhost_add_used_and_signal(&vs->dev, vq, vc->head, 0);
	else
		pr_err("Faulted on virtio scsi type=%d\n", type);
}

