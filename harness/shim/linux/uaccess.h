/*
 * Shim for <linux/uaccess.h>.
 * Provides: __get_user(), __put_user(), __copy_from_user() and
 * __copy_to_user() over the simulated user memory of vl_shim.h, with the
 * kernel's results: 0 or -EFAULT for the first two (and 0 stored in x on a
 * fault, as the kernel does), the number of bytes not copied for the copies.
 * Customised: a read must lie inside one mapped range or it faults as a
 * whole (the kernel may copy a prefix before faulting; the request path
 * never straddles a mapping, the simulator's rings are all mapped);
 * __copy_to_user() writes up to the first unmapped byte, as the kernel's
 * does and the response functions' old forms can show.
 * Stubbed: access_ok(), page faults, SMAP, the checked get_user/put_user.
 */
#ifndef VL_SHIM_LINUX_UACCESS_H
#define VL_SHIM_LINUX_UACCESS_H

#include <errno.h>
#include <linux/types.h>
#include "vl_shim.h"

#define __get_user(x, ptr) ({						\
	__typeof__(*(ptr)) __vl_gu_v;					\
	int __vl_gu_r = vl_user_read(&__vl_gu_v,			\
				     (u64)(uintptr_t)(ptr),		\
				     sizeof(*(ptr)));			\
	(x) = __vl_gu_r ? (__typeof__(*(ptr)))0 : __vl_gu_v;		\
	__vl_gu_r; })

#define __put_user(x, ptr) ({						\
	__typeof__(*(ptr)) __vl_pu_v = (x);				\
	vl_user_write((u64)(uintptr_t)(ptr), &__vl_pu_v,		\
		      sizeof(*(ptr))); })

static inline unsigned long __copy_from_user(void *to, const void __user *from,
					     unsigned long n)
{
	return vl_user_read(to, (u64)(uintptr_t)from, n) ? n : 0;
}

static inline unsigned long __copy_to_user(void __user *to, const void *from,
					   unsigned long n)
{
	return n - vl_user_write_prefix((u64)(uintptr_t)to, from, n);
}

#endif
