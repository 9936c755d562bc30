/*
 * The native side of `make bench`: times log_write() or vhost_log_write()
 * from the same functions file the worker is built from (VL_FUNCTIONS,
 * #included so that static definitions are callable), over the shim's
 * simulated user memory, on one workload given on the command line.
 *
 *   bench-driver time|check FN LOG_BASE BITMAP_LEN ADDRESS LENGTH SEGMENT [SECONDS]
 *
 * FN is log_write or vhost_log_write.  The bitmap [LOG_BASE, LOG_BASE +
 * BITMAP_LEN) is mapped; the workload logs [ADDRESS, ADDRESS + LENGTH),
 * through vhost_log_write() as descriptors of SEGMENT bytes each (the last
 * one shorter).  Numbers are C literals (0x... for hex).
 *
 * time:  prints one line "calls=.. seconds=.. ns_per_call=.. min_ns_per_call=..
 *        set_bit_calls_per_call=.." where ns_per_call is the median and
 *        min_ns_per_call the fastest of 9 rounds of at least SECONDS / 10
 *        each (SECONDS defaults to 1).
 * check: calls once and prints "ret=.. signals=.. set_bit_calls=.. bytes=N"
 *        and then N lines "ADDRESS VALUE" (hex) of non-zero bitmap bytes.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scsi_request_env.h"
#include "vl_shim.h"

#ifndef VL_FUNCTIONS
#error "build with -DVL_FUNCTIONS='\"/path/to/functions.c\"'"
#endif
#include VL_FUNCTIONS

#define VL_BENCH_ROUNDS 9

enum vl_bench_fn { VL_LOG_WRITE, VL_VHOST_LOG_WRITE };

struct vl_workload {
	enum vl_bench_fn fn;
	u64 log_base;
	u64 bitmap_len;
	u64 address;
	u64 length;
	u64 segment;
	struct vhost_virtqueue *vq;
	struct vhost_log *log;
	unsigned int nlog;
};

__attribute__((__noreturn__, __format__(__printf__, 1, 2)))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench-driver: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static u64 number(const char *text, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || end == text || *end)
		die("%s: not a number: %s", what, text);
	return v;
}

static void setup(struct vl_workload *w)
{
	u64 done;
	unsigned int i;

	vl_user_reset();
	if (vl_user_add(w->log_base, w->bitmap_len) || vl_user_commit())
		die("bitmap of %llu bytes does not fit the shim's user memory",
		    (unsigned long long)w->bitmap_len);

	w->vq = calloc(1, sizeof(*w->vq));
	if (!w->vq)
		die("out of memory");
	w->vq->log_base = (void __user *)(uintptr_t)w->log_base;
	w->vq->log_ctx = vl_log_eventfd();
	w->vq->iotlb = NULL;

	if (w->fn != VL_VHOST_LOG_WRITE)
		return;
	if (!w->segment || w->length / w->segment >= UINT_MAX)
		die("SEGMENT must be at least LENGTH / UINT_MAX and not 0");
	w->nlog = (unsigned int)((w->length + w->segment - 1) / w->segment);
	w->log = calloc(w->nlog ? w->nlog : 1, sizeof(*w->log));
	if (!w->log)
		die("out of memory");
	for (i = 0, done = 0; i < w->nlog; i++, done += w->segment) {
		w->log[i].addr = w->address + done;
		w->log[i].len = w->length - done < w->segment ?
				w->length - done : w->segment;
	}
}

static int call_once(const struct vl_workload *w)
{
	if (w->fn == VL_LOG_WRITE)
		return log_write(w->vq->log_base, w->address, w->length);
	return vhost_log_write(w->vq, w->log, w->nlog, w->length, NULL, 0);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Runs the workload calls times; returns the mean ns per call. */
static double batch(const struct vl_workload *w, unsigned long calls)
{
	double start = now_ns();
	unsigned long i;

	for (i = 0; i < calls; i++)
		if (call_once(w))
			die("the workload failed: the bitmap does not cover it");
	return (now_ns() - start) / (double)calls;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void time_workload(const struct vl_workload *w, double seconds)
{
	double round_ns = seconds * 1e9 / 10, per_call[VL_BENCH_ROUNDS];
	unsigned long calls = 1, total = 0;
	unsigned long set_bits;
	double start;
	int i;

	vl_set_bit_count = 0;
	call_once(w);
	set_bits = vl_set_bit_count;

	/* Grow the batch until one round lasts round_ns (also the warm-up). */
	while (batch(w, calls) * (double)calls < round_ns && calls < (1UL << 40))
		calls *= 2;
	start = now_ns();
	for (i = 0; i < VL_BENCH_ROUNDS; i++) {
		per_call[i] = batch(w, calls);
		total += calls;
	}
	qsort(per_call, VL_BENCH_ROUNDS, sizeof(per_call[0]), cmp_double);
	printf("calls=%lu seconds=%.3f ns_per_call=%.3f min_ns_per_call=%.3f set_bit_calls_per_call=%lu\n",
	       total, (now_ns() - start) / 1e9, per_call[VL_BENCH_ROUNDS / 2],
	       per_call[0], set_bits);
}

static void check_workload(const struct vl_workload *w)
{
	const struct vl_user_range *r;
	size_t nr, i, nbytes = 0;
	u64 off;
	int ret;

	vl_set_bit_count = 0;
	vl_signal_count = 0;
	ret = call_once(w);
	r = vl_user_ranges(&nr);
	for (i = 0; i < nr; i++)
		for (off = r[i].dirty_lo; off < r[i].dirty_hi; off++)
			nbytes += r[i].bytes[off] != 0;
	printf("ret=%d signals=%lu set_bit_calls=%lu bytes=%zu\n", ret,
	       vl_signal_count, vl_set_bit_count, nbytes);
	for (i = 0; i < nr; i++)
		for (off = r[i].dirty_lo; off < r[i].dirty_hi; off++)
			if (r[i].bytes[off])
				printf("%llx %x\n",
				       (unsigned long long)(r[i].start + off),
				       r[i].bytes[off]);
}

int main(int argc, char **argv)
{
	struct vl_workload w = { 0 };
	int timing;

	if (argc != 8 && argc != 9)
		die("usage: bench-driver time|check FN LOG_BASE BITMAP_LEN ADDRESS LENGTH SEGMENT [SECONDS]");
	if (!strcmp(argv[1], "time"))
		timing = 1;
	else if (!strcmp(argv[1], "check"))
		timing = 0;
	else
		die("mode must be time or check, not %s", argv[1]);
	if (!strcmp(argv[2], "log_write"))
		w.fn = VL_LOG_WRITE;
	else if (!strcmp(argv[2], "vhost_log_write"))
		w.fn = VL_VHOST_LOG_WRITE;
	else
		die("FN must be log_write or vhost_log_write, not %s", argv[2]);
	w.log_base = number(argv[3], "LOG_BASE");
	w.bitmap_len = number(argv[4], "BITMAP_LEN");
	w.address = number(argv[5], "ADDRESS");
	w.length = number(argv[6], "LENGTH");
	w.segment = number(argv[7], "SEGMENT");

	setup(&w);
	if (timing)
		time_workload(&w, argc == 9 ? strtod(argv[8], NULL) : 1.0);
	else
		check_workload(&w);
	free(w.log);
	free(w.vq);
	vl_user_free();
	return 0;
}
