/*
 * Shim for <linux/mutex.h>.
 * Provides: struct mutex as a complete type (vhost.h embeds it), and
 * mutex_lock()/mutex_unlock().
 * Stubbed: locking; the code under test runs single-threaded and never
 * waits.  Customised: the mutex counts how deep it is held, so that a lock
 * left held (or an unlock too many) shows in what a case leaves behind.
 */
#ifndef VL_SHIM_LINUX_MUTEX_H
#define VL_SHIM_LINUX_MUTEX_H

struct mutex {
	int vl_depth;
};

static inline void mutex_lock(struct mutex *lock)
{
	lock->vl_depth++;
}

static inline void mutex_unlock(struct mutex *lock)
{
	lock->vl_depth--;
}

#endif
