/*
 * Shim for <linux/wait.h>.
 * Provides: wait_queue_head_t and wait_queue_entry_t as complete types
 * (struct vhost_poll and struct vhost_dev embed them).
 * Stubbed: sleeping and waking.
 */
#ifndef VL_SHIM_LINUX_WAIT_H
#define VL_SHIM_LINUX_WAIT_H

#include <linux/types.h>
#include <linux/spinlock_types.h>

struct wait_queue_entry;
typedef int (*wait_queue_func_t)(struct wait_queue_entry *wq_entry,
				 unsigned int mode, int flags, void *key);

typedef struct wait_queue_entry {
	unsigned int flags;
	void *private;
	wait_queue_func_t func;
	struct list_head entry;
} wait_queue_entry_t;

typedef struct wait_queue_head {
	spinlock_t lock;
	struct list_head head;
} wait_queue_head_t;

#endif
