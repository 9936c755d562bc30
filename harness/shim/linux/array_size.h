/*
 * Shim for <linux/array_size.h>.
 * Provides: ARRAY_SIZE() (copied fact: the element count of an array).
 * Stubbed: the __must_be_array() check that rejects a pointer.
 */
#ifndef VL_SHIM_LINUX_ARRAY_SIZE_H
#define VL_SHIM_LINUX_ARRAY_SIZE_H

#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))

#endif
