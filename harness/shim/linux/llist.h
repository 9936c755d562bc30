/*
 * Shim for <linux/llist.h>.
 * Provides: struct llist_node and struct llist_head as complete types
 * (vhost.h embeds them in its work items and workers).
 * Stubbed: the lock-less list operations.
 */
#ifndef VL_SHIM_LINUX_LLIST_H
#define VL_SHIM_LINUX_LLIST_H

struct llist_node {
	struct llist_node *next;
};

struct llist_head {
	struct llist_node *first;
};

#endif
