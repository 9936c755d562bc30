/*
 * Shim for <asm/barrier.h>.
 * Provides: mb/rmb/wmb and the smp_ variants as compiler barriers.  The
 * code under test runs on one thread, so ordering against other CPUs has
 * nothing to order; only the compiler fence is kept.
 * Stubbed: the real fence instructions.
 */
#ifndef VL_SHIM_ASM_BARRIER_H
#define VL_SHIM_ASM_BARRIER_H

#include <linux/compiler.h>

#define mb()		barrier()
#define rmb()		barrier()
#define wmb()		barrier()
#define smp_mb()	barrier()
#define smp_rmb()	barrier()
#define smp_wmb()	barrier()

#endif
