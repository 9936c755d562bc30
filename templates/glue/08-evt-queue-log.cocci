// Patch 8 glue: an event written to the guest is logged like any other
// write descriptor.

@ evt_collects @
@@
 vhost_scsi_do_evt_work(...)
 {
 	...
 	struct virtio_scsi_event *event = &evt->event;
+	struct vhost_log *vq_log;
+	unsigned int log_num;
 	...
 	vhost_disable_notify(&vs->dev, vq);
+	vq_log = unlikely(vhost_has_feature(vq, VHOST_F_LOG_ALL)) ? vq->log : NULL;
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
