/*
 * Shim for <linux/poll.h>.
 * Provides: poll_table (struct vhost_poll embeds one) and, through the
 * wait.h shim, the wait queue types; __poll_t comes from uapi linux/types.h.
 * Stubbed: poll_wait and the file poll machinery.
 */
#ifndef VL_SHIM_LINUX_POLL_H
#define VL_SHIM_LINUX_POLL_H

#include <linux/types.h>
#include <linux/wait.h>

struct file;
struct poll_table_struct;
typedef void (*poll_queue_proc)(struct file *file, wait_queue_head_t *wqh,
				struct poll_table_struct *pt);

typedef struct poll_table_struct {
	poll_queue_proc _qproc;
	__poll_t _key;
} poll_table;

#endif
