/*
 * Shim for <linux/file.h>.
 * Provides: the struct file tag (vhost.h only holds pointers to files).
 * Stubbed: fget/fput and everything else.
 */
#ifndef VL_SHIM_LINUX_FILE_H
#define VL_SHIM_LINUX_FILE_H

struct file;

#endif
