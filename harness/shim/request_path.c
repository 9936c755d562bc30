/*
 * The stubs scsi_request_env.h describes: what the request path calls but
 * the simulator's drivers and the equivalence worker (under
 * vhost_scsi_get_desc()) do not take from the tree.
 */
#include <stdio.h>
#include <stdlib.h>

#include "scsi_request_env.h"

struct vhost_iotlb_map *
vhost_iotlb_itree_first(struct vhost_iotlb *iotlb, u64 start, u64 last)
{
	struct vhost_iotlb_map *map, *best = NULL;

	list_for_each_entry(map, &iotlb->list, link)
		if (map->start <= last && map->last >= start &&
		    (!best || map->start < best->start))
			best = map;
	return best;
}

int vhost_iotlb_miss(struct vhost_virtqueue *vq, u64 iova, int access)
{
	(void)vq;
	fprintf(stderr, "vhostlog-sim: vhost_iotlb_miss(0x%llx, %d) reached without an IOTLB\n",
		(unsigned long long)iova, access);
	abort();
}

int vl_notify_avail_idx = -1;

/*
 * As the managed kernel runtime does it (KernelModel.vhost_enable_notify):
 * the used ring's flags live only in vq->used_flags, and the second look at
 * avail->idx is vhost_get_avail_idx()'s of Linux 6.12, written here over
 * user memory so that trees whose vhost_get_avail_idx() has another
 * signature (6.1) get the same stub.
 */
bool vhost_enable_notify(struct vhost_dev *dev, struct vhost_virtqueue *vq)
{
	u64 at = (u64)(uintptr_t)&vq->avail->idx;
	__virtio16 idx;

	(void)dev;
	if (!(vq->used_flags & VRING_USED_F_NO_NOTIFY))
		return false;
	vq->used_flags &= ~VRING_USED_F_NO_NOTIFY;
	if (vl_notify_avail_idx >= 0) {
		u16 slipped = (u16)vl_notify_avail_idx;

		/* The guest's write lands when avail->idx is mapped; else it is lost. */
		(void)vl_user_write(at, &slipped, sizeof(slipped));
	}
	if (vl_user_read(&idx, at, sizeof(idx)))
		return false;
	if ((u16)(idx - vq->last_avail_idx) > vq->num)
		return false;
	if (idx == vq->avail_idx)
		return false;
	vq->avail_idx = idx;
	return true;
}

void vhost_disable_notify(struct vhost_dev *dev, struct vhost_virtqueue *vq)
{
	(void)dev;
	vq->used_flags |= VRING_USED_F_NO_NOTIFY;
}
