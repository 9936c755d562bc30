/*
 * Shim for <linux/slab.h>.
 * Provides: kmalloc_array() and kfree() over libc, with the fault injection
 * the harness asks for (vl_allocs_left: allocations that succeed before the
 * next one returns NULL; negative: never fail), a count of the buffers
 * handed out (vl_alloc_count) and of the bytes asked for (vl_alloc_bytes),
 * and a count of the non-NULL pointers kfree() took (vl_free_count) with
 * the first VL_FREED_MAX of them (vl_freed), so that the worker frees only
 * what the code under test did not.  gfp_t and GFP_KERNEL.
 * Customised: the memory is zeroed, where kmalloc leaves it uninitialised,
 * so that an observation of the buffer is the same in every run; the model
 * hands out zeroed arrays too.
 * Stubbed: slab caches, every other allocator and all gfp semantics.
 */
#ifndef VL_SHIM_LINUX_SLAB_H
#define VL_SHIM_LINUX_SLAB_H

#include <linux/types.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL	((gfp_t)0xcc0)

#define VL_FREED_MAX	1024

extern long vl_allocs_left;
extern unsigned long vl_alloc_count;
extern unsigned long long vl_alloc_bytes;
extern unsigned long vl_free_count;
extern const void *vl_freed[VL_FREED_MAX];

void *kmalloc_array(size_t n, size_t size, gfp_t flags);
void kfree(const void *p);

#endif
