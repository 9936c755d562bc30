/*
 * Shim for <linux/uio.h>.
 * Provides: struct iovec, UIO_FASTIOV and UIO_MAXIOV from the uapi header
 * (#include_next), and the struct iov_iter tag (vhost.h only passes
 * pointers to it).
 * Stubbed: iov_iter and its copy helpers.  Do not mix with libc's
 * <sys/uio.h>, which declares its own struct iovec.
 */
#ifndef VL_SHIM_LINUX_UIO_H
#define VL_SHIM_LINUX_UIO_H

#include <linux/types.h>
#include_next <linux/uio.h>

struct iov_iter;

#endif
