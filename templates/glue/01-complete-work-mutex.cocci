// Patch 1 glue, for a completion work that runs per virtqueue (svq) and
// adds used entries without the virtqueue mutex: take the mutex once, around
// the whole loop, so that logging the used ring cannot race
// VHOST_SET_VRING_ADDR. The signal stays outside, as it needs no lock.
@@
identifier svq, cmd, t, llnode, member;
iterator name llist_for_each_entry_safe;
statement S;
@@
 vhost_scsi_complete_cmd_work(...)
 {
 ...
 llnode = llist_del_all(&svq->completion_list);
+mutex_lock(&svq->vq.mutex);
 llist_for_each_entry_safe(cmd, t, llnode, member) S
+mutex_unlock(&svq->vq.mutex);
 ...
 }
