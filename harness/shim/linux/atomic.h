/*
 * Shim for <linux/atomic.h>.
 * Provides: atomic_t and atomic64_t as complete types.
 * Stubbed: every atomic operation (nothing in vhost.h or the code under
 * test uses one).
 */
#ifndef VL_SHIM_LINUX_ATOMIC_H
#define VL_SHIM_LINUX_ATOMIC_H

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	long long counter;
} atomic64_t;

#endif
