/*
 * Shim for <linux/interval_tree_generic.h>.
 * Provides: what <linux/vhost_iotlb.h> needs from its only include: the
 * rbtree node types, u64 and struct list_head.
 * Stubbed: INTERVAL_TREE_DEFINE is not provided (the code under test does
 * not search the interval tree).
 */
#ifndef VL_SHIM_LINUX_INTERVAL_TREE_GENERIC_H
#define VL_SHIM_LINUX_INTERVAL_TREE_GENERIC_H

#include <linux/types.h>
#include <linux/rbtree_types.h>

#endif
