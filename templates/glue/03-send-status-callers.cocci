// Patch 3 glue: vhost_scsi_send_status() now takes the request context
// instead of its head and response iovec index.
@@
expression vs, vq, status;
identifier vc;
@@
- vhost_scsi_send_status(vs, vq, vc.head, vc.out, status)
+ vhost_scsi_send_status(vs, vq, &vc, status)
