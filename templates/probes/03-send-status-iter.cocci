// Patch 3 is present when vhost_scsi_send_status() gets the request context
// and copies its response with copy_to_iter().
@ present @
identifier vs, vq, vc, status;
@@
 vhost_scsi_send_status(struct vhost_scsi *vs, struct vhost_virtqueue *vq,
 		       struct vhost_scsi_ctx *vc, u8 status)
 {
 	<...
*	copy_to_iter(...)
 	...>
 }
