/*
 * Shim for <linux/virtio_ring.h>.
 * Provides: the uapi ring layout (vring_desc_t, vring_avail_t,
 * vring_used_t, struct vring_used_elem, VIRTIO_RING_F_*) by #include_next.
 * Stubbed: the kernel's virtqueue driver API.
 */
#ifndef VL_SHIM_LINUX_VIRTIO_RING_H
#define VL_SHIM_LINUX_VIRTIO_RING_H

#include <linux/types.h>
#include_next <linux/virtio_ring.h>

#endif
