/*
 * Shim for <linux/compiler.h>.
 * Provides: barrier() (a compiler-only fence), likely()/unlikely().
 * Stubbed: READ_ONCE/WRITE_ONCE and the rest are not needed.
 */
#ifndef VL_SHIM_LINUX_COMPILER_H
#define VL_SHIM_LINUX_COMPILER_H

#include <linux/compiler_types.h>

#define barrier()	__asm__ __volatile__("" : : : "memory")
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#endif
