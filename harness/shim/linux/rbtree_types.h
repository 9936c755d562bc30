/*
 * Shim for <linux/rbtree_types.h>.
 * Provides: struct rb_node, struct rb_root, struct rb_root_cached as
 * complete types (struct vhost_iotlb and its maps embed them).
 * Stubbed: the tree operations; the code under test walks vq->umem->list,
 * never the interval tree.
 */
#ifndef VL_SHIM_LINUX_RBTREE_TYPES_H
#define VL_SHIM_LINUX_RBTREE_TYPES_H

struct rb_node {
	unsigned long __rb_parent_color;
	struct rb_node *rb_right;
	struct rb_node *rb_left;
} __attribute__((__aligned__(sizeof(long))));

struct rb_root {
	struct rb_node *rb_node;
};

struct rb_root_cached {
	struct rb_root rb_root;
	struct rb_node *rb_leftmost;
};

#endif
