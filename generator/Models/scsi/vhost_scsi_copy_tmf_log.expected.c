/* drivers/vhost/scsi.c, model state CtlQueueLog */
/**
 * vhost_scsi_copy_tmf_log() - Keep a task management request's write
 * descriptors
 * @tmf: The request, until its response is sent
 * @log: Write descriptors collected by vhost_get_vq_desc()
 * @log_num: Number of entries in log, at least one
 *
 * The response is sent later, from the TMF work, and logged there. The copy is
 * freed with the request.
 *
 * Return: 0, or -ENOMEM when the copy cannot be allocated.
 */
static int vhost_scsi_copy_tmf_log(struct vhost_scsi_tmf *tmf,
				   struct vhost_log *log, unsigned int log_num)
{
	tmf->tmf_log =
		kmalloc_array(log_num, sizeof(*tmf->tmf_log), GFP_KERNEL);
	if (unlikely(!tmf->tmf_log)) {
		pr_err("vhost_scsi tmf log allocation error\n");
		return -ENOMEM;
	}

	memcpy(tmf->tmf_log, log, sizeof(*tmf->tmf_log) * log_num);
	tmf->tmf_log_num = log_num;

	return 0;
}

