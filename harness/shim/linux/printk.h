/*
 * Shim for <linux/printk.h>.
 * Provides: pr_fmt() (the identity unless the file defines its own),
 * pr_debug() and pr_err(), which check their format like the kernel's and
 * print nothing: as in a kernel without dynamic debug for vhost, and the
 * harness observes return values and memory, not the log; pr_err() calls
 * are counted (vl_pr_err_count, shim.c), the response functions' only
 * report of a faulted copy.
 * Stubbed: the console, log levels, rate limiting.
 */
#ifndef VL_SHIM_LINUX_PRINTK_H
#define VL_SHIM_LINUX_PRINTK_H

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

static inline __attribute__((__format__(__printf__, 1, 2)))
void vl_no_printk(const char *fmt, ...)
{
	(void)fmt;
}

#define pr_debug(fmt, ...)	vl_no_printk(pr_fmt(fmt), ##__VA_ARGS__)
extern unsigned long vl_pr_err_count;

#define pr_err(fmt, ...)	\
	(vl_pr_err_count++, vl_no_printk(pr_fmt(fmt), ##__VA_ARGS__))

#endif
