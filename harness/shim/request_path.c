/*
 * The stubs scsi_request_env.h describes: what the request path calls but
 * the simulator does not take from the tree.
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

bool vhost_enable_notify(struct vhost_dev *dev, struct vhost_virtqueue *vq)
{
	(void)dev;
	(void)vq;
	return false;
}

void vhost_disable_notify(struct vhost_dev *dev, struct vhost_virtqueue *vq)
{
	(void)dev;
	(void)vq;
}
