// Patch 2 glue: vhost_scsi_send_bad_target() now takes the request context
// and the kind of response to build. The control queue answers TMF and AN
// requests; every other caller answers a SCSI command.
//
// Coccinelle prints an added conditional on one line, past 100 columns at
// the control queue's depth, and breaks added lines only at commas; the
// script hands it the argument with its line breaks as one token instead.
@ script:python kind @
arg;
@@
indent = "\n" + "\t" * 6 + " " * 3
coccinelle.arg = (indent + "v_req.type == VIRTIO_SCSI_T_TMF ?" +
                  indent + "TYPE_CTRL_TMF : TYPE_CTRL_AN")

@ ctl @
expression vs, vq;
identifier vc;
identifier kind.arg;
@@
 vhost_scsi_ctl_handle_vq(...)
 {
 <...
- vhost_scsi_send_bad_target(vs, vq, vc.head, vc.out)
+ vhost_scsi_send_bad_target(vs, vq, &vc, arg)
 ...>
 }

@ io @
expression vs, vq;
identifier vc;
@@
- vhost_scsi_send_bad_target(vs, vq, vc.head, vc.out)
+ vhost_scsi_send_bad_target(vs, vq, &vc, TYPE_IO_CMD)

// The response kinds are named once, before the function that uses them.
@ kinds @
@@
+#define TYPE_IO_CMD	0
+#define TYPE_CTRL_TMF	1
+#define TYPE_CTRL_AN	2
+
 static void vhost_scsi_send_bad_target(...)
 {
 ...
 }
