// Patch 2 is present when vhost_scsi_send_bad_target() gets the request
// context and copies its response with copy_to_iter() (all response iovecs).
@ present @
identifier vs, vq, vc, type;
@@
 vhost_scsi_send_bad_target(struct vhost_scsi *vs, struct vhost_virtqueue *vq,
 			   struct vhost_scsi_ctx *vc, int type)
 {
 	<...
*	copy_to_iter(...)
 	...>
 }
