// Patch 5 is present when vhost_scsi_get_desc() takes a log and its length
// and hands both to vhost_get_vq_desc(), which then collects the request's
// write descriptors for its caller to log.
@ present @
identifier vs, vq, vc, log, log_num;
@@
 vhost_scsi_get_desc(struct vhost_scsi *vs, struct vhost_virtqueue *vq,
 		    struct vhost_scsi_ctx *vc, struct vhost_log *log,
 		    unsigned int *log_num)
 {
 	<...
*	vhost_get_vq_desc(vq, ..., log, log_num)
 	...>
 }
