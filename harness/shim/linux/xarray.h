/*
 * Shim for <linux/xarray.h>.
 * Provides: struct xarray as a complete type (struct vhost_dev embeds one).
 * Stubbed: every xa_* operation.
 */
#ifndef VL_SHIM_LINUX_XARRAY_H
#define VL_SHIM_LINUX_XARRAY_H

#include <linux/spinlock_types.h>

struct xarray {
	spinlock_t xa_lock;
	unsigned int xa_flags;
	void *xa_head;
};

#endif
