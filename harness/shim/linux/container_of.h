/*
 * Shim for <linux/container_of.h>.
 * Provides: container_of() with the kernel's member-type check.
 * Stubbed: nothing.
 */
#ifndef VL_SHIM_LINUX_CONTAINER_OF_H
#define VL_SHIM_LINUX_CONTAINER_OF_H

#include <stddef.h>

#define container_of(ptr, type, member) ({				\
	void *__vl_mptr = (void *)(ptr);				\
	_Static_assert(__builtin_types_compatible_p(__typeof__(*(ptr)),	\
			__typeof__(((type *)0)->member)) ||		\
		       __builtin_types_compatible_p(__typeof__(*(ptr)), void), \
		       "container_of: pointer type mismatch");		\
	((type *)((char *)__vl_mptr - offsetof(type, member))); })

#endif
