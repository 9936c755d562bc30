/*
 * Shim for <linux/limits.h>.
 * Provides: the uapi limits (#include_next) plus the kernel's U8_MAX..U64_MAX
 * and S8_MIN..S64_MAX.
 * Stubbed: nothing.  libc reaches this file through <limits.h>, so it only
 * adds names.
 */
#ifndef VL_SHIM_LINUX_LIMITS_H
#define VL_SHIM_LINUX_LIMITS_H

#include_next <linux/limits.h>

#ifndef USHRT_MAX	/* libc's <limits.h> has the same value */
#define USHRT_MAX	((unsigned short)~0U)
#endif
#define U8_MAX		((unsigned char)~0U)
#define S8_MAX		((signed char)(U8_MAX >> 1))
#define S8_MIN		((signed char)(-S8_MAX - 1))
#define U16_MAX		((unsigned short)~0U)
#define S16_MAX		((short)(U16_MAX >> 1))
#define S16_MIN		((short)(-S16_MAX - 1))
#define U32_MAX		(~0U)
#define S32_MAX		((int)(U32_MAX >> 1))
#define S32_MIN		((int)(-S32_MAX - 1))
#define U64_MAX		(~0ULL)
#define S64_MAX		((long long)(U64_MAX >> 1))
#define S64_MIN		((long long)(-S64_MAX - 1))

#endif
