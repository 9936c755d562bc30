// Patch 1 does not apply when the completion work already holds the
// virtqueue mutex around each vhost_add_used() (older trees run one
// completion work for all queues, so a command's own queue is locked per
// command): the used ring is never logged without the lock there.
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
