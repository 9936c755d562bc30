// Patch 1 is present in 6.1.y's own form (59614c5acf66, 6.1.146) when the
// completion work holds the command's virtqueue mutex around each
// vhost_add_used(): 6.1 runs one completion work for all queues, so a
// command's own queue is locked per command, and the used ring is never
// logged without the lock.
@ per_command @
expression q;
@@
 vhost_scsi_complete_cmd_work(...)
 {
 <...
*mutex_lock(&q->vq.mutex);
 vhost_add_used(...);
 mutex_unlock(&q->vq.mutex);
 ...>
 }
