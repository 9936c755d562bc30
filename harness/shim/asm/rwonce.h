/*
 * Shim for <asm/rwonce.h> (the kernel's asm-generic/rwonce.h).
 * Provides: READ_ONCE() and WRITE_ONCE() as one volatile access of the
 * object's own type, which is what the kernel's versions compile to for the
 * scalar sizes the request path reads (next_desc() reads a __virtio16).
 * Stubbed: the compile-time size checks and the KCSAN annotations.
 */
#ifndef VL_SHIM_ASM_RWONCE_H
#define VL_SHIM_ASM_RWONCE_H

#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

#endif
