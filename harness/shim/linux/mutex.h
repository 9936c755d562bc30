/*
 * Shim for <linux/mutex.h>.
 * Provides: struct mutex as a complete type (vhost.h embeds it).
 * Stubbed: locking; the code under test runs single-threaded and takes no lock.
 */
#ifndef VL_SHIM_LINUX_MUTEX_H
#define VL_SHIM_LINUX_MUTEX_H

struct mutex {
	int vl_unused;
};

#endif
