// Patch 8 is present when the event queue's work logs the descriptors it
// wrote the event into: vhost_scsi_do_evt_work() calls
// vhost_scsi_log_write() (a call, not a mention in a comment).
@ present @
@@
 vhost_scsi_do_evt_work(...)
 {
 	<...
*	vhost_scsi_log_write(...);
 	...>
 }
