/*
 * Userspace implementations behind the shim headers:
 * - the simulated user memory of a case (byte ranges in one arena) and
 *   set_bit_to_user() over it (-EFAULT outside the mapped ranges),
 * - eventfd_signal() counting, BUG() as a longjmp, WARN counting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scsi_env.h"
#include "vl_shim.h"

unsigned long vl_signal_count;
unsigned long vl_warn_count;
unsigned long vl_pr_err_count;
long vl_allocs_left = -1;
unsigned long vl_alloc_count;
unsigned long long vl_alloc_bytes;
unsigned long vl_free_count;
const void *vl_freed[VL_FREED_MAX];
unsigned long vl_set_bit_count;
unsigned long vl_set_bit_limit;
jmp_buf *vl_bug_target;

/* ---- user memory ------------------------------------------------------ */

static unsigned char *vl_arena;		/* VL_USER_MAX_BYTES, zero outside dirty windows */
static struct vl_user_range *vl_ranges;
static size_t vl_nranges, vl_ranges_cap;
static size_t vl_last_hit;

void vl_user_reset(void)
{
	size_t i;

	for (i = 0; i < vl_nranges; i++) {
		struct vl_user_range *r = &vl_ranges[i];

		if (r->dirty_hi > r->dirty_lo)
			memset(r->bytes + r->dirty_lo, 0, r->dirty_hi - r->dirty_lo);
	}
	vl_nranges = 0;
	vl_last_hit = 0;
}

int vl_user_add(u64 start, u64 len)
{
	if (!len)
		return 0;
	if (len > VL_USER_MAX_BYTES || start + (len - 1) < start)
		return -1;
	if (vl_nranges == vl_ranges_cap) {
		size_t cap = vl_ranges_cap ? vl_ranges_cap * 2 : 16;
		struct vl_user_range *n = realloc(vl_ranges, cap * sizeof(*n));

		if (!n) {
			fprintf(stderr, "vhostlog-worker: out of memory\n");
			abort();
		}
		vl_ranges = n;
		vl_ranges_cap = cap;
	}
	vl_ranges[vl_nranges].start = start;
	vl_ranges[vl_nranges].len = len;
	vl_nranges++;
	return 0;
}

static int vl_range_cmp(const void *a, const void *b)
{
	const struct vl_user_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int vl_user_commit(void)
{
	size_t i, n = 0;
	u64 used = 0;

	if (!vl_arena) {
		vl_arena = calloc(1, VL_USER_MAX_BYTES);
		if (!vl_arena) {
			fprintf(stderr, "vhostlog-worker: out of memory\n");
			abort();
		}
	}
	if (vl_nranges > 1)
		qsort(vl_ranges, vl_nranges, sizeof(*vl_ranges), vl_range_cmp);
	/* Merge overlapping or touching ranges (last byte = start + len - 1). */
	for (i = 0; i < vl_nranges; i++) {
		struct vl_user_range r = vl_ranges[i];

		if (n) {
			struct vl_user_range *p = &vl_ranges[n - 1];
			u64 p_last = p->start + (p->len - 1);

			if (p_last == ~0ULL || r.start <= p_last + 1) {
				u64 r_last = r.start + (r.len - 1);

				if (r_last > p_last)
					p->len += r_last - p_last;
				continue;
			}
		}
		vl_ranges[n++] = r;
	}
	vl_nranges = n;
	for (i = 0; i < n; i++) {
		if (vl_ranges[i].len > VL_USER_MAX_BYTES - used) {
			vl_nranges = 0;
			return -1;
		}
		vl_ranges[i].bytes = vl_arena + used;
		vl_ranges[i].dirty_lo = vl_ranges[i].len;
		vl_ranges[i].dirty_hi = 0;
		used += vl_ranges[i].len;
	}
	return 0;
}

const struct vl_user_range *vl_user_ranges(size_t *count)
{
	*count = vl_nranges;
	return vl_ranges;
}

void vl_user_free(void)
{
	vl_user_reset();
	free(vl_ranges);
	free(vl_arena);
	vl_ranges = NULL;
	vl_arena = NULL;
	vl_ranges_cap = 0;
}

/* The range holding addr by binary search (ranges are sorted and disjoint), or NULL. */
static struct vl_user_range *vl_user_search(u64 addr)
{
	size_t lo = 0, hi = vl_nranges;
	struct vl_user_range *r;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		r = &vl_ranges[mid];
		if (addr < r->start)
			hi = mid;
		else if (addr - r->start >= r->len)
			lo = mid + 1;
		else {
			vl_last_hit = mid;
			return r;
		}
	}
	return NULL;
}

/*
 * The range of the last hit is tried first, inline: log_write() sets up to
 * 64K bits of one bitmap in a row, one set_bit_to_user() each.
 */
static inline struct vl_user_range *vl_user_find(u64 addr)
{
	if (vl_last_hit < vl_nranges) {
		struct vl_user_range *r = &vl_ranges[vl_last_hit];

		/* Below r->start, addr - r->start wraps to at least len: ranges never wrap. */
		if (addr - r->start < r->len)
			return r;
	}
	return vl_user_search(addr);
}

void (*vl_user_write_trace)(u64 addr, size_t n);

/* The range holding all of [addr, addr + n), or NULL. */
static struct vl_user_range *vl_user_span(u64 addr, size_t n)
{
	struct vl_user_range *r = vl_user_find(addr);

	if (!r || n > r->len - (addr - r->start))
		return NULL;
	return r;
}

int vl_user_read(void *to, u64 addr, size_t n)
{
	struct vl_user_range *r;

	if (!n)
		return 0;
	r = vl_user_span(addr, n);
	if (!r)
		return -EFAULT;
	memcpy(to, r->bytes + (addr - r->start), n);
	return 0;
}

size_t vl_user_write_prefix(u64 addr, const void *from, size_t n)
{
	struct vl_user_range *r;
	u64 off;

	if (!n)
		return 0;
	r = vl_user_find(addr);
	if (!r)
		return 0;
	off = addr - r->start;
	/* Adjacent ranges are merged: the mapped prefix ends with r. */
	if (n > r->len - off)
		n = (size_t)(r->len - off);
	return vl_user_write(addr, from, n) ? 0 : n;
}

void vl_user_fill(unsigned char byte)
{
	size_t i;

	for (i = 0; i < vl_nranges && byte; i++) {
		memset(vl_ranges[i].bytes, byte, vl_ranges[i].len);
		vl_ranges[i].dirty_lo = 0;
		vl_ranges[i].dirty_hi = vl_ranges[i].len;
	}
}

int vl_user_write(u64 addr, const void *from, size_t n)
{
	struct vl_user_range *r;
	u64 off;

	if (!n)
		return 0;
	r = vl_user_span(addr, n);
	if (!r)
		return -EFAULT;
	off = addr - r->start;
	memcpy(r->bytes + off, from, n);
	if (off < r->dirty_lo)
		r->dirty_lo = off;
	if (off + n > r->dirty_hi)
		r->dirty_hi = off + n;
	if (vl_user_write_trace)
		vl_user_write_trace(addr, n);
	return 0;
}

/*
 * Same effect as vhost.c's version on a mapped byte: bit (nr + 8 * offset in
 * page) counted from the page start, i.e. bit nr % 8 of byte addr + nr / 8
 * (nr is 0..7 from log_write).  The byte must be mapped, else -EFAULT
 * (where the kernel's page pin would fail).
 */
int set_bit_to_user(int nr, void __user *addr)
{
	u64 log = (u64)(unsigned long)addr;
	long bit = (long)nr + (long)(log % PAGE_SIZE) * 8;
	u64 byte = log - log % PAGE_SIZE + (u64)(bit >> 3);	/* floor: bit may be < 0 */
	struct vl_user_range *r = vl_user_find(byte);
	u64 off;

	vl_set_bit_count++;
	if (vl_set_bit_limit && vl_set_bit_count > vl_set_bit_limit && vl_bug_target)
		longjmp(*vl_bug_target, 2);
	if (!r)
		return -EFAULT;
	off = byte - r->start;
	r->bytes[off] |= (unsigned char)(1u << (bit & 7));
	if (off < r->dirty_lo)
		r->dirty_lo = off;
	if (off + 1 > r->dirty_hi)
		r->dirty_hi = off + 1;
	return 0;
}

/* ---- eventfd, BUG, WARN ----------------------------------------------- */

struct eventfd_ctx {
	int vl_unused;
};

static struct eventfd_ctx vl_the_log_eventfd;

struct eventfd_ctx *vl_log_eventfd(void)
{
	return &vl_the_log_eventfd;
}

void vl_eventfd_signal(struct eventfd_ctx *ctx)
{
	if (!ctx) {
		fprintf(stderr, "vhostlog-worker: eventfd_signal(NULL)\n");
		abort();
	}
	vl_signal_count++;
}

void vl_bug(const char *file, int line)
{
	if (vl_bug_target)
		longjmp(*vl_bug_target, 1);
	fprintf(stderr, "vhostlog-worker: BUG() at %s:%d outside a case\n", file, line);
	abort();
}

void vl_warn(const char *file, int line)
{
	(void)file;
	(void)line;
	vl_warn_count++;
}

/* ---- allocator (linux/slab.h) ----------------------------------------- */

void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	void *p;

	(void)flags;
	if (vl_allocs_left == 0)
		return NULL;
	if (size && n > (size_t)-1 / size)
		return NULL;
	p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fprintf(stderr, "vhostlog-worker: out of memory\n");
		abort();
	}
	if (vl_allocs_left > 0)
		vl_allocs_left--;
	vl_alloc_count++;
	vl_alloc_bytes += (unsigned long long)n * size;
	return p;
}

void kfree(const void *p)
{
	if (p) {
		if (vl_free_count < VL_FREED_MAX)
			vl_freed[vl_free_count] = p;
		vl_free_count++;
	}
	free((void *)p);
}
