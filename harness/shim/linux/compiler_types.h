/*
 * Shim for <linux/compiler_types.h>.
 * Provides: the sparse address-space annotations (__user, __rcu, __force,
 * __iomem, __kernel) as empty markers, and __always_inline/noinline.
 * Stubbed: everything sparse checks; the annotations mean nothing here.
 */
#ifndef VL_SHIM_LINUX_COMPILER_TYPES_H
#define VL_SHIM_LINUX_COMPILER_TYPES_H

#define __user
#define __kernel
#define __iomem
#define __rcu
#define __force
#define __percpu
#define __must_check	__attribute__((__warn_unused_result__))
#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#define noinline	__attribute__((__noinline__))

#endif
