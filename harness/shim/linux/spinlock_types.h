/*
 * Shim for <linux/spinlock_types.h>.
 * Provides: spinlock_t as a complete type (struct vhost_dev embeds one).
 * Stubbed: locking.
 */
#ifndef VL_SHIM_LINUX_SPINLOCK_TYPES_H
#define VL_SHIM_LINUX_SPINLOCK_TYPES_H

typedef struct {
	int vl_unused;
} spinlock_t;

#endif
