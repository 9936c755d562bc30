/*
 * Shim for <linux/eventfd.h>.
 * Provides: struct eventfd_ctx (opaque) and eventfd_signal(), which counts
 * calls in the shim (vl_eventfd_signal in shim.c); a NULL context aborts,
 * as the kernel would oops.  Both call forms compile: eventfd_signal(ctx)
 * (6.8 and later) and eventfd_signal(ctx, n) (older trees, returns n).
 * Stubbed: the counter file, wakeups, eventfd_ctx_fdget and friends.
 */
#ifndef VL_SHIM_LINUX_EVENTFD_H
#define VL_SHIM_LINUX_EVENTFD_H

#include <linux/types.h>

struct eventfd_ctx;

void vl_eventfd_signal(struct eventfd_ctx *ctx);

static inline __u64 vl_eventfd_signal_n(struct eventfd_ctx *ctx, __u64 n)
{
	vl_eventfd_signal(ctx);
	return n;
}

#define __vl_eventfd_pick(ctx, n, fn, ...) fn
#define eventfd_signal(...)						\
	__vl_eventfd_pick(__VA_ARGS__, vl_eventfd_signal_n,		\
			  vl_eventfd_signal, 0)(__VA_ARGS__)

#endif
