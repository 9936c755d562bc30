// Patch 7 glue: the control queue logs the write descriptors of its
// responses. A task management request keeps a copy of them (made by the
// modeled vhost_scsi_copy_tmf_log()) until its response is sent from the
// TMF work; an asynchronous notification is answered, and logged, at once.

// Coccinelle prints an added statement on one line, here past 80
// columns; the script hands it the conditional, with the line break kernel
// style puts in it, as one token.
@ script:python log_base @
value;
@@
coccinelle.value = "unlikely(vhost_has_feature(vq, VHOST_F_LOG_ALL)) ?\n\t\tvq->log : NULL"

@ tmf_owns_log @
@@
 struct vhost_scsi_tmf {
 	...
 	int vq_desc;
+	/* Write descriptors of the request, logged with the response */
+	struct vhost_log *tmf_log;
+	unsigned int tmf_log_num;
 };

@ frees_tmf @
@@
 vhost_scsi_release_tmf_res(...)
 {
 	...
 	kfree(tmf);
 	...
 }

@ tmf_release_frees_log depends on frees_tmf @
@@
 vhost_scsi_release_tmf_res(...)
 {
 	...
+	kfree(tmf->tmf_log);
 	kfree(tmf);
 	...
 }

// Older trees (6.1) keep released TMFs in a per-TPG pool for reuse
// instead of freeing them: the log goes, and the pointer with it, so a
// reused TMF without a log does not log the freed one.
// backporter: this tree keeps released TMFs in a per-TPG pool instead of
// backporter: freeing them; their log is freed, and the pointer cleared, when
// backporter: a TMF goes back to the pool.
@ tmf_release_pools depends on !frees_tmf @
@@
 vhost_scsi_release_tmf_res(...)
 {
 	...
+	kfree(tmf->tmf_log);
+	tmf->tmf_log = NULL;
+	tmf->tmf_log_num = 0;
 	mutex_lock(&tpg->tv_tpg_mutex);
 	list_add_tail(&tpg->tmf_queue, &tmf->queue_entry);
 	...
 }

@ tmf_response_logs @
@@
 vhost_scsi_tmf_resp_work(...)
 {
 	...
 	vhost_scsi_send_tmf_resp(tmf->vhost, &tmf->svq->vq, tmf->in_iovs,
 				 tmf->vq_desc, &tmf->resp_iov, resp_code);
+	vhost_scsi_log_write(&tmf->svq->vq, tmf->tmf_log, tmf->tmf_log_num);
 	...
 }

@ tmf_params @
identifier vc;
@@
 vhost_scsi_handle_tmf(...,
 	struct vhost_scsi_ctx *vc
+	, struct vhost_log *log, unsigned int log_num
 	)
 {
 	...
 }

@ script:python tmf_log_cond @
value;
@@
coccinelle.value = "unlikely(log && log_num) &&\n\t    vhost_scsi_copy_tmf_log(tmf, log, log_num)"

@ tmf_copies_log @
identifier tmf_log_cond.value;
@@
 vhost_scsi_handle_tmf(...)
 {
 	...
 	tmf->inflight = vhost_scsi_get_inflight(vq);
+	if (value) {
+		vhost_scsi_release_tmf_res(tmf);
+		goto send_reject;
+	}
 	...
 }

@ tmf_reject_logs @
@@
 vhost_scsi_handle_tmf(...)
 {
 	<...
 	vhost_scsi_send_tmf_resp(vs, vq, vc->in, vc->head, &vq->iov[vc->out],
 				 VIRTIO_SCSI_S_FUNCTION_REJECTED);
+	vhost_scsi_log_write(vq, log, log_num);
 	...>
 }

@ ctl_collects @
identifier log_base.value;
@@
 vhost_scsi_ctl_handle_vq(...)
 {
 	...
 	size_t typ_size;
+	struct vhost_log *vq_log;
+	unsigned int log_num;
 	...
 	vhost_disable_notify(&vs->dev, vq);
+	vq_log = value;
 	...
 }

@ ctl_passes_log @
@@
 vhost_scsi_ctl_handle_vq(...)
 {
 	<...
-	vhost_scsi_get_desc(vs, vq, &vc, NULL, NULL)
+	vhost_scsi_get_desc(vs, vq, &vc, vq_log, &log_num)
 	...>
 }

@ an_logs @
@@
 vhost_scsi_ctl_handle_vq(...)
 {
 	<...
 	if (v_req.type == VIRTIO_SCSI_T_TMF)
-		vhost_scsi_handle_tmf(vs, tpg, vq, &v_req.tmf, &vc);
+		vhost_scsi_handle_tmf(vs, tpg, vq, &v_req.tmf, &vc, vq_log, log_num);
 	else
 		vhost_scsi_send_an_resp(vs, vq, &vc);
+	if (v_req.type != VIRTIO_SCSI_T_TMF)
+		vhost_scsi_log_write(vq, vq_log, log_num);
 	...>
 }

@ ctl_bad_target_logs @
@@
 vhost_scsi_ctl_handle_vq(...)
 {
 	<...
 	if (ret == -ENXIO)
 		break;
 	else if (ret == -EIO)
 		vhost_scsi_send_bad_target(vs, vq, &vc, ...);
+	if (ret == -EIO)
+		vhost_scsi_log_write(vq, vq_log, log_num);
 	...>
 }
