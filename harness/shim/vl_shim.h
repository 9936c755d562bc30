/*
 * The worker's side of the shim (not a kernel header): the simulated user
 * memory of one case, the counters kernel stand-ins update, and where
 * BUG() jumps to.  Implemented in shim.c.
 */
#ifndef VL_SHIM_H
#define VL_SHIM_H

#include <setjmp.h>
#include <stddef.h>
#include <linux/types.h>

/* At most this many bytes of user memory per case (the protocol's limit). */
#define VL_USER_MAX_BYTES (1UL << 20)

struct vl_user_range {
	u64 start;
	u64 len;
	unsigned char *bytes;	/* zero-filled at case start */
	u64 dirty_lo;		/* offsets [dirty_lo, dirty_hi) may be non-zero */
	u64 dirty_hi;
};

/* Forget the previous case's memory (zeroing what it wrote). */
void vl_user_reset(void);
/* Add a mapped range; 0, or -1 if it wraps past 2^64 or exceeds the limit. */
int vl_user_add(u64 start, u64 len);
/* Sort and merge the ranges added since the reset; -1 if over the limit. */
int vl_user_commit(void);
/* The merged ranges, by ascending address. */
const struct vl_user_range *vl_user_ranges(size_t *count);
/* Release everything (end of the worker). */
void vl_user_free(void);

/*
 * Copy n bytes from / to simulated user memory: 0, or -EFAULT unless the
 * whole of [addr, addr + n) lies in one mapped range (<linux/uaccess.h>).
 */
int vl_user_read(void *to, u64 addr, size_t n);
int vl_user_write(u64 addr, const void *from, size_t n);
/*
 * Write the longest mapped prefix of [addr, addr + n) and return its length
 * (0 when addr is unmapped): a copy to user memory that faults part-way, as
 * the kernel's copy_to_user() stops at the first faulting byte.
 */
size_t vl_user_write_prefix(u64 addr, const void *from, size_t n);
/*
 * Set every mapped byte to byte (after vl_user_commit()): a response that
 * writes zeros is then visible in the memory the runner compares.
 */
void vl_user_fill(unsigned char byte);
/* When set, called for every successful vl_user_write() (the simulator's record of device writes). */
extern void (*vl_user_write_trace)(u64 addr, size_t n);

/* The non-NULL context installed as vq->log_ctx. */
struct eventfd_ctx *vl_log_eventfd(void);

/* Counters of the current case; the worker zeroes them at case start. */
extern unsigned long vl_signal_count;
extern unsigned long vl_warn_count;
/* pr_err() calls (<linux/printk.h>). */
extern unsigned long vl_pr_err_count;
/* set_bit_to_user() calls since start (the bench driver reads and zeroes it). */
extern unsigned long vl_set_bit_count;
/*
 * With vl_bug_target set and this non-zero, the set_bit_to_user() call that
 * takes vl_set_bit_count past it longjmps there with value 2: the call has
 * done more than the model's step limit allows and counts as hung.
 */
extern unsigned long vl_set_bit_limit;

/* Where BUG() longjmps (with value 1); NULL outside a call: abort. */
extern jmp_buf *vl_bug_target;

#endif
