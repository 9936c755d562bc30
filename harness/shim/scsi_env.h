/*
 * What the top of drivers/vhost/scsi.c gives the scsi.c functions under test
 * (vhost_scsi_log_write, vhost_scsi_copy_cmd_log, vhost_scsi_copy_tmf_log,
 * vhost_scsi_destroy_vq_log, vhost_scsi_destroy_logs), split as
 * tools/testing/vma splits its shims:
 *
 * Copied facts: the members of struct vhost_scsi_cmd, struct vhost_scsi_tmf
 * and struct vhost_scsi_virtqueue those functions use, with the types
 * scsi.c gives them.  Before a variant is built from a tree, the harness
 * checks each struct a present function needs against the tree's own
 * definition (Variants/FunctionSources.cs, CheckCopiedFacts): same name,
 * same type; and the virtqueue numbers, checked against the tree's enum
 * when vhost_scsi_destroy_logs() is there.
 *
 * Customised: the structs hold only those members, so their size and layout
 * are not the kernel's; nothing under test depends on either (container_of()
 * uses the shim's offset of vq, consistently).
 *
 * Stubs: none here; the allocator is <linux/slab.h>'s shim, memcpy() libc's.
 */
#ifndef VL_SHIM_SCSI_ENV_H
#define VL_SHIM_SCSI_ENV_H

#include <string.h>
#include <linux/container_of.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "vhost_env.h"

/* ---- copied facts ----------------------------------------------------- */

struct vhost_scsi_cmd {
	struct vhost_log *tvc_log;
	unsigned int tvc_log_num;
};

struct vhost_scsi_tmf {
	struct vhost_log *tmf_log;
	unsigned int tmf_log_num;
};

/*
 * scsi.c's virtqueue numbers (an enum there): the control queue, the event
 * queue, then the I/O queues.  Macros here, so that externs.list's build
 * check sees them defined.
 */
#define VHOST_SCSI_VQ_CTL	0
#define VHOST_SCSI_VQ_EVT	1
#define VHOST_SCSI_VQ_IO	2

struct vhost_scsi_virtqueue {
	struct vhost_virtqueue vq;
	struct vhost_scsi_cmd *scsi_cmds;
	int max_cmds;
};

#endif
