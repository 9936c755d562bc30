/*
 * Shim for <linux/mm.h>.
 * Provides: the page constants (asm/page.h shim) and, standing in for the
 * long chain of core headers the kernel's mm.h pulls in, the small shims
 * whose types vhost.h embeds without including them itself: llist,
 * spinlock_t, xarray, wait queues, lists.
 * Stubbed: struct page, struct mm_struct and all memory management
 * (they stay incomplete: vhost.h only holds pointers to them).
 */
#ifndef VL_SHIM_LINUX_MM_H
#define VL_SHIM_LINUX_MM_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/spinlock_types.h>
#include <linux/xarray.h>
#include <linux/wait.h>
#include <asm/page.h>

struct page;
struct mm_struct;

#endif
