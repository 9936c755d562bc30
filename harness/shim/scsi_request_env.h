/*
 * What drivers/vhost/vhost.c and scsi.c give the request path the
 * simulator's native engine runs (harness/native/sim.c): vhost_get_vq_desc()
 * and its callees, vhost_add_used() and its callees, log_used(),
 * vhost_log_write(), vhost_scsi_get_desc() and, from the series,
 * vhost_scsi_copy_cmd_log(), vhost_scsi_copy_tmf_log() and
 * vhost_scsi_log_write(), all compiled unchanged from a tree.
 *
 * Copied facts: the members of struct vhost_scsi_ctx and struct vhost_scsi
 * those functions (and the simulator's glue) use, with scsi.c's types;
 * struct vhost_scsi_cmd, vhost_scsi_tmf and vhost_scsi_virtqueue come from
 * scsi_env.h, which the equivalence harness shares.  Before a driver is built
 * from a tree, the harness checks each against the tree's own definition
 * (Simulator/RequestPathSources.cs): same name, same type.
 *
 * The equivalence worker (harness/native/worker.h) includes this header
 * too, for the response functions vhost_scsi_send_status() and
 * vhost_scsi_send_bad_target(): it shares the two structs and adds the
 * response types (the uapi <linux/virtio_scsi.h>, as scsi.c includes it)
 * and scsi.c's TYPE_* names, copied facts the harness checks against the
 * tree's #defines (Variants/FunctionSources.cs).
 *
 * Customised: the structs hold only those members, so their sizes and
 * layouts are not the kernel's; nothing under test depends on either.
 *
 * Stubs (request_path.c):
 * - vhost_iotlb_itree_first(): a walk of the iotlb's map list in address
 *   order instead of drivers/vhost/iotlb.c's interval tree; same answer
 *   (the first map overlapping [start, last]) for the few maps a device has.
 * - vhost_iotlb_miss(): static in vhost.c; vhost-scsi has no IOTLB
 *   (vq->iotlb and dev->iotlb are NULL), so translate_desc() returns
 *   -EFAULT on a miss and never calls it; the stub aborts if it is reached.
 * - vhost_enable_notify() / vhost_disable_notify(): the used ring's flags
 *   live only in vq->used_flags (nothing is written to guest memory); enable
 *   clears VRING_USED_F_NO_NOTIFY and looks at avail->idx again, true when
 *   it moved (vq->avail_idx takes it), as the managed kernel runtime does.
 *   vl_notify_avail_idx (not negative) is the avail->idx the guest writes
 *   just before that second look: the equivalence worker's way to slip a
 *   buffer in (fn 9), so vhost_scsi_get_desc()'s -EAGAIN branch runs.  The
 *   simulator's glue only asks for requests it has posted and never gets
 *   there.
 *
 * The equivalence worker links request_path.c too, for
 * vhost_scsi_get_desc() and the tree's descriptor collection under it.
 */
#ifndef VL_SHIM_SCSI_REQUEST_ENV_H
#define VL_SHIM_SCSI_REQUEST_ENV_H

#include <asm/rwonce.h>
#include <linux/array_size.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/virtio_scsi.h>

#include "scsi_env.h"

int vhost_iotlb_miss(struct vhost_virtqueue *vq, u64 iova, int access);

/* The avail->idx a buffer slipped in during vhost_enable_notify() leaves; -1: none. */
extern int vl_notify_avail_idx;

/* ---- copied facts ----------------------------------------------------- */

struct vhost_scsi {
	struct vhost_dev dev;
	struct vhost_scsi_virtqueue *vqs;
};

struct vhost_scsi_ctx {
	int head;
	unsigned int out, in;
	size_t req_size, rsp_size;
	size_t out_size, in_size;
	u8 *target, *lunp;
	void *req;
	struct iov_iter out_iter;
};

/* The response kinds of vhost_scsi_send_bad_target() (scsi.c's #defines). */
#define TYPE_IO_CMD    0
#define TYPE_CTRL_TMF  1
#define TYPE_CTRL_AN   2

#endif
