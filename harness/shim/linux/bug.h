/*
 * Shim for <linux/bug.h>.
 * Provides: BUG() and BUG_ON(), which call vl_bug(): the worker turns that
 * into the case outcome "bug" (a longjmp back to its case loop);
 * WARN_ON(), WARN_ON_ONCE(), WARN() and WARN_ONCE(), which evaluate their
 * condition like the kernel and count hits in vl_warn() (no message, no
 * "once" suppression across cases: every hit is counted).
 * Stubbed: the oops/backtrace machinery.
 */
#ifndef VL_SHIM_LINUX_BUG_H
#define VL_SHIM_LINUX_BUG_H

#include <linux/compiler.h>

__attribute__((__noreturn__)) void vl_bug(const char *file, int line);
void vl_warn(const char *file, int line);

#define BUG()		vl_bug(__FILE__, __LINE__)
#define BUG_ON(cond)	do { if (unlikely(cond)) BUG(); } while (0)

#define WARN_ON(cond) ({						\
	int __vl_warn_hit = !!(cond);					\
	if (unlikely(__vl_warn_hit))					\
		vl_warn(__FILE__, __LINE__);				\
	unlikely(__vl_warn_hit); })
#define WARN_ON_ONCE(cond)		WARN_ON(cond)
#define WARN(cond, fmt, ...)		WARN_ON(cond)
#define WARN_ONCE(cond, fmt, ...)	WARN_ON(cond)

#endif
