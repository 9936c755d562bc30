// Patch 1 is present when the completion work takes the virtqueue mutex
// before it walks the completed commands (so log_used cannot race
// VHOST_SET_VRING_ADDR).
@ present @
@@
 vhost_scsi_complete_cmd_work(...)
 {
 	...
*	mutex_lock(&svq->vq.mutex);
 	...
 }
