// Patch 5 glue: vhost_scsi_get_desc() gained log and log_num; the I/O and
// control queue handlers do not log yet, so they pass NULL (patches 6 and 7
// wire the logs in).
@@
expression vs, vq, vc;
@@
- vhost_scsi_get_desc(vs, vq, vc)
+ vhost_scsi_get_desc(vs, vq, vc, NULL, NULL)
