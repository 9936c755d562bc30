/*
 * What the top of drivers/vhost/scsi.c gives the scsi.c functions under test
 * (vhost_scsi_log_write, vhost_scsi_copy_cmd_log), split as
 * tools/testing/vma splits its shims:
 *
 * Copied facts: the members of struct vhost_scsi_cmd those functions use,
 * with the types scsi.c gives them.  Before a variant is built from a tree,
 * the harness checks each of them against the tree's own definition
 * (Variants/ScsiShimCheck.cs): same name, same type.
 *
 * Customised: the struct holds only those members, so its size and layout
 * are not the kernel's; nothing under test depends on either.
 *
 * Stubs: none here; the allocator is <linux/slab.h>'s shim, memcpy() libc's.
 */
#ifndef VL_SHIM_SCSI_ENV_H
#define VL_SHIM_SCSI_ENV_H

#include <string.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "vhost_env.h"

/* ---- copied facts ----------------------------------------------------- */

struct vhost_scsi_cmd {
	struct vhost_log *tvc_log;
	unsigned int tvc_log_num;
};

#endif
