// Patch 6 glue: the I/O queue keeps the write descriptors of each command
// and logs them when the command completes, or when it fails before that.
// The helpers it calls (vhost_scsi_copy_cmd_log, vhost_scsi_log_write,
// vhost_scsi_destroy_vq_log, vhost_scsi_destroy_logs) come from the models.

// Coccinelle prints an added statement on one line, here past 80
// columns; the script hands it the conditional, with the line break kernel
// style puts in it, as one token.
@ script:python log_base @
value;
@@
coccinelle.value = "unlikely(vhost_has_feature(vq, VHOST_F_LOG_ALL)) ?\n\t\tvq->log : NULL"

@ cmd_owns_log @
@@
 struct vhost_scsi_cmd {
 	...
 	unsigned char tvc_sense_buf[TRANSPORT_SENSE_BUFFER];
+	/* Write descriptors of the command, logged when it completes */
+	struct vhost_log *tvc_log;
+	unsigned int tvc_log_num;
 	...
 };

// A reused command keeps its log buffer.
@ reuse_keeps_log @
@@
 vhost_scsi_get_cmd(...)
 {
 	...
 	struct page **pages;
+	struct vhost_log *log;
 	...
 	tvc_resp_iov = cmd->tvc_resp_iov;
+	log = cmd->tvc_log;
 	memset(cmd, 0, sizeof(*cmd));
+	cmd->tvc_log = log;
 	...
 }

// Trees whose completion work serves every queue in one loop (6.1) take a
// command's own vq->mutex only around vhost_add_used() (their form of
// patch 1); the log is written under that mutex too, taken again once the
// response is copied or has faulted. Elsewhere patch 1 holds the queue's
// mutex over the whole loop.
@ per_command_lock @
expression q;
@@
 vhost_scsi_complete_cmd_work(...)
 {
 <+...
 mutex_lock(&q->vq.mutex);
 vhost_add_used(...);
 mutex_unlock(&q->vq.mutex);
 ...+>
 }

@ completion_logs depends on !per_command_lock @
@@
 vhost_scsi_complete_cmd_work(...)
 {
 	<...
+	vhost_scsi_log_write(cmd->tvc_vq, cmd->tvc_log, cmd->tvc_log_num);
 	vhost_scsi_release_cmd_res(se_cmd);
 	...>
 }

// backporter: this tree serves every queue from one completion work and
// backporter: holds a command's vq->mutex only around vhost_add_used() (its
// backporter: form of upstream f591cf9fce72, 59614c5acf66 in 6.1.y), so the
// backporter: command's log is written under that mutex too, taken again
// backporter: after the response is copied or has faulted.
@ completion_logs_locked depends on per_command_lock @
@@
 vhost_scsi_complete_cmd_work(...)
 {
 	<...
+	mutex_lock(&cmd->tvc_vq->mutex);
+	vhost_scsi_log_write(cmd->tvc_vq, cmd->tvc_log, cmd->tvc_log_num);
+	mutex_unlock(&cmd->tvc_vq->mutex);
 	vhost_scsi_release_cmd_res(se_cmd);
 	...>
 }

// Submission collects the write descriptors while VHOST_F_LOG_ALL is set.
@ submission_collects @
identifier log_base.value;
@@
 vhost_scsi_handle_vq(...)
 {
 	...
 	void *cdb;
+	struct vhost_log *vq_log;
+	unsigned int log_num;
 	...
 	vhost_disable_notify(&vs->dev, vq);
+	vq_log = value;
 	...
 }

@ submission_passes_log @
@@
 vhost_scsi_handle_vq(...)
 {
 	<...
-	vhost_scsi_get_desc(vs, vq, &vc, NULL, NULL)
+	vhost_scsi_get_desc(vs, vq, &vc, vq_log, &log_num)
 	...>
 }

// Trees with vhost_scsi_send_status() answer BAD TARGET or TASK SET FULL
// from the submission path, older ones (6.1) only BAD TARGET; either way
// the request wrote its response, so it is logged.
@ sends_status @
expression list args;
@@
 vhost_scsi_send_status(args)

// A log that cannot be kept fails the request with -ENOMEM, which the
// error path answers TASK SET FULL.
@ command_keeps_log depends on sends_status @
@@
 vhost_scsi_handle_vq(...)
 {
 	<...
 	cmd->tvc_in_iovs = vc.in;
+	if (unlikely(vq_log && log_num)) {
+		ret = vhost_scsi_copy_cmd_log(vq, cmd, vq_log, log_num);
+		if (unlikely(ret)) {
+			vhost_scsi_release_cmd_res(&cmd->tvc_se_cmd);
+			goto err;
+		}
+	}
 	...>
 }

// Without TASK SET FULL the error path answers only -EIO (BAD TARGET),
// which ret still holds here: keep it, or the request gets no answer.
// backporter: this tree has no TASK SET FULL answer (no
// backporter: vhost_scsi_send_status()); a log buffer that cannot be
// backporter: allocated leaves ret at -EIO, so the request is answered BAD
// backporter: TARGET instead of being dropped.
@ command_keeps_log_bad_target depends on !sends_status @
@@
 vhost_scsi_handle_vq(...)
 {
 	<...
 	cmd->tvc_in_iovs = vc.in;
+	if (unlikely(vq_log && log_num)) {
+		/* ret stays -EIO: this tree answers BAD TARGET only */
+		if (vhost_scsi_copy_cmd_log(vq, cmd, vq_log, log_num)) {
+			vhost_scsi_release_cmd_res(&cmd->tvc_se_cmd);
+			goto err;
+		}
+	}
 	...>
 }

@ error_paths_log depends on sends_status @
@@
 vhost_scsi_handle_vq(...)
 {
 	<...
 	if (ret == -ENXIO)
 		break;
 	else if (ret == -EIO)
 		vhost_scsi_send_bad_target(vs, vq, &vc, TYPE_IO_CMD);
 	else if (ret == -ENOMEM)
 		vhost_scsi_send_status(vs, vq, &vc, SAM_STAT_TASK_SET_FULL);
+	if (ret == -EIO || ret == -ENOMEM)
+		vhost_scsi_log_write(vq, vq_log, log_num);
 	...>
 }

// backporter: only the BAD TARGET answer of the submission path is logged:
// backporter: this tree has no TASK SET FULL answer to log.
@ bad_target_logs depends on !sends_status @
@@
 vhost_scsi_handle_vq(...)
 {
 	<...
 	if (ret == -ENXIO)
 		break;
 	else if (ret == -EIO)
 		vhost_scsi_send_bad_target(vs, vq, &vc, TYPE_IO_CMD);
+	if (ret == -EIO)
+		vhost_scsi_log_write(vq, vq_log, log_num);
 	...>
 }

@ destroy_frees_logs @
@@
 vhost_scsi_destroy_vq_cmds(...)
 {
 	...
+	vhost_scsi_destroy_vq_log(vq);
 	kfree(svq->scsi_cmds);
 	...
 }

// Switching VHOST_F_LOG_ALL off frees the logs (they come back on demand).
@ features_free_logs @
@@
 vhost_scsi_set_features(...)
 {
 	struct vhost_virtqueue *vq;
+	bool was_log;
 	int i;
 	...
+	/* All vqs have the same features: the first one tells */
+	was_log = vs->dev.nvqs &&
+		  vhost_has_feature(&vs->vqs[0].vq, VHOST_F_LOG_ALL);
 	for (i = 0; i < vs->dev.nvqs; i++) {
 		...
 	}
+	if (was_log && !(features & (1 << VHOST_F_LOG_ALL)))
+		vhost_scsi_destroy_logs(vs);
 	mutex_unlock(&vs->dev.mutex);
 	return 0;
 }
