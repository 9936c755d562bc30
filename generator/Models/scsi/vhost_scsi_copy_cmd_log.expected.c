/* drivers/vhost/scsi.c, model state IoQueueLog */
/**
 * vhost_scsi_copy_cmd_log() - Keep a request's write descriptors
 * @vq: The I/O virtqueue
 * @cmd: The command the request became
 * @log: Write descriptors collected by vhost_get_vq_desc()
 * @log_num: Number of entries in log
 *
 * The command's buffer is allocated the first time it is needed, for as many
 * descriptors as a chain may have, and kept when the command is reused.
 *
 * Return: 0, or -ENOMEM when the buffer cannot be allocated.
 */
static int vhost_scsi_copy_cmd_log(struct vhost_virtqueue *vq,
				   struct vhost_scsi_cmd *cmd,
				   struct vhost_log *log, unsigned int log_num)
{
	if (!cmd->tvc_log)
		cmd->tvc_log = kmalloc_array(vq->dev->iov_limit,
					     sizeof(*cmd->tvc_log), GFP_KERNEL);

	if (unlikely(!cmd->tvc_log)) {
		vq_err(vq, "Failed to alloc tvc_log\n");
		return -ENOMEM;
	}

	memcpy(cmd->tvc_log, log, sizeof(*cmd->tvc_log) * log_num);
	cmd->tvc_log_num = log_num;

	return 0;
}

