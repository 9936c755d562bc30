/* drivers/vhost/scsi.c, model state IoQueueLog */
/**
 * vhost_scsi_destroy_vq_log() - Free the log buffers of a virtqueue's commands
 * @vq: An I/O virtqueue, with its mutex held or no longer in use
 */
static void vhost_scsi_destroy_vq_log(struct vhost_virtqueue *vq)
{
	struct vhost_scsi_virtqueue *svq =
		container_of(vq, struct vhost_scsi_virtqueue, vq);
	struct vhost_scsi_cmd *tv_cmd;
	unsigned int i;

	if (!svq->scsi_cmds)
		return;

	for (i = 0; i < svq->max_cmds; i++) {
		tv_cmd = &svq->scsi_cmds[i];
		kfree(tv_cmd->tvc_log);
		tv_cmd->tvc_log = NULL;
		tv_cmd->tvc_log_num = 0;
	}
}

/* drivers/vhost/scsi.c, model state IoQueueLog */
/**
 * vhost_scsi_destroy_logs() - Free the command logs of every I/O virtqueue
 * @vs: The device, with its mutex held
 *
 * Called when VHOST_F_LOG_ALL is switched off: the buffers are allocated again
 * if logging comes back.
 */
static void vhost_scsi_destroy_logs(struct vhost_scsi *vs)
{
	struct vhost_virtqueue *vq;
	int i;

	for (i = VHOST_SCSI_VQ_IO; i < vs->dev.nvqs; i++) {
		if (!vs->vqs[i].scsi_cmds)
			continue;

		vq = &vs->vqs[i].vq;
		mutex_lock(&vq->mutex);
		vhost_scsi_destroy_vq_log(vq);
		mutex_unlock(&vq->mutex);
	}
}

