// Patch 8 glue: an event written to the guest is logged like any other
// write descriptor.

// Coccinelle prints an added statement on one line, here past 80
// columns; the script hands it the conditional, with the line break kernel
// style puts in it, as one token.
@ script:python log_base @
value;
@@
coccinelle.value = "unlikely(vhost_has_feature(vq, VHOST_F_LOG_ALL)) ?\n\t\tvq->log : NULL"

@ evt_collects @
identifier log_base.value;
@@
 vhost_scsi_do_evt_work(...)
 {
 	...
 	struct virtio_scsi_event *event = &evt->event;
+	struct vhost_log *vq_log;
+	unsigned int log_num;
 	...
 	vhost_disable_notify(&vs->dev, vq);
+	vq_log = value;
+	log_num = 0;
 	...
 }

@ evt_passes_log @
@@
 vhost_scsi_do_evt_work(...)
 {
 	<...
-	vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), &out, &in, NULL, NULL)
+	vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), &out, &in, vq_log, &log_num)
 	...>
 }

@ evt_logs @
@@
 vhost_scsi_do_evt_work(...)
 {
 	<...
 	if (!ret)
 		vhost_add_used_and_signal(&vs->dev, vq, head, 0);
 	else
 		vq_err(vq, "Faulted on vhost_scsi_send_event\n");
+	vhost_scsi_log_write(vq, vq_log, log_num);
 	...>
 }
