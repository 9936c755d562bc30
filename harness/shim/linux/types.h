/*
 * Shim for <linux/types.h>.
 * Provides: the uapi fixed-width types (__u64, __le16, __poll_t, ... by
 * #include_next of the system's uapi header), the kernel's short names
 * (u8..u64, s8..s64), bool, size_t/ssize_t/uintptr_t from libc, and the
 * list node types the kernel declares here (list_head, hlist_*).
 * Stubbed: nothing; this file is also seen by libc's own includes, so it
 * only adds names.
 */
#ifndef VL_SHIM_LINUX_TYPES_H
#define VL_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/compiler_types.h>

typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

struct list_head {
	struct list_head *next, *prev;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

#endif
