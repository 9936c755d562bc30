/*
 * The native driver of `vhostlog chains` (protocol: CHAINS-PROTOCOL.md).
 *
 * Runs the descriptor collection of a kernel tree, vhost_get_vq_desc() and
 * its callees (get_indirect(), translate_desc(), next_desc(), ...) taken
 * unchanged from drivers/vhost/vhost.c (the file named by VL_FUNCTIONS,
 * #included so that its static definitions are callable), on one
 * adversarial chain per command.  The chain is laid out exactly as the
 * command says (descriptor table, avail ring, indirect tables in guest
 * memory), so the C# side decides every byte the kernel reads and this
 * file only loads memory, calls and measures.
 *
 * The iov and log arrays handed to the kernel are followed by guard
 * entries filled with a canary: a write past iov_size or past
 * dev->iov_limit (the size of the vq->log the kernel allocates) shows up
 * as a touched guard instead of silent corruption.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scsi_request_env.h"
#include "vl_shim.h"
#include "line_protocol.h"
#include "vl_wire.h"

#ifndef VL_FUNCTIONS
#error "build with -DVL_FUNCTIONS='\"/path/to/functions.c\"'"
#endif
#include VL_FUNCTIONS

#define VL_MAX_MAPS		256
#define VL_MAX_BACKED		16
#define VL_MAX_NUM		32768
#define VL_GUARD		64
/*
 * Room far beyond the guards, so that a broken tree that writes well past
 * them corrupts only this buffer and is reported, not the driver.
 */
#define VL_IOV_CAP		(1 << 18)
#define VL_LOG_CAP		(1 << 18)
#define VL_LINE_MAX		(1024 * 1024)
#define VL_CANARY_ADDR		0xdeadbeefcafef00dULL
#define VL_CANARY_LEN		0xa5a5a5a5a5a5a5a5ULL

static struct vhost_dev dev;
static struct vhost_virtqueue vq_store;
static struct vhost_virtqueue *vqs_ptrs[1];
static struct vhost_iotlb umem;
static struct vhost_iotlb_map maps[VL_MAX_MAPS];
static unsigned int nmaps;
static u64 backed[VL_MAX_BACKED][2];
static unsigned int nbacked;
static u64 desc_hva, avail_hva;
static bool started;

static struct iovec iovbuf[VL_IOV_CAP + VL_GUARD];
static struct vhost_log logbuf[VL_LOG_CAP + VL_GUARD];

static jmp_buf bug_jump;

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
/*
 * The canaries see writes past the caller's arrays, not reads, and not
 * writes beyond the guards.  In the sanitized build (chains --sanitize) the
 * guards and the room after them are poisoned while the kernel runs, so
 * ASan reports any access past iov_size or iov_limit (a write into a guard
 * is then a crash with a report instead of a touched guard).
 */
#define vl_poison(p, n)		ASAN_POISON_MEMORY_REGION(p, n)
#define vl_unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define vl_poison(p, n)		((void)(p), (void)(n))
#define vl_unpoison(p, n)	((void)(p), (void)(n))
#endif

static void poison_tails(unsigned int iov_size, unsigned int iov_limit)
{
	vl_poison(&iovbuf[iov_size], (VL_IOV_CAP + VL_GUARD - iov_size) * sizeof(iovbuf[0]));
	vl_poison(&logbuf[iov_limit], (VL_LOG_CAP + VL_GUARD - iov_limit) * sizeof(logbuf[0]));
}

static void unpoison_tails(unsigned int iov_size, unsigned int iov_limit)
{
	vl_unpoison(&iovbuf[iov_size], (VL_IOV_CAP + VL_GUARD - iov_size) * sizeof(iovbuf[0]));
	vl_unpoison(&logbuf[iov_limit], (VL_LOG_CAP + VL_GUARD - iov_limit) * sizeof(logbuf[0]));
}

static bool parse_word(char **p, char *c)
{
	while (**p == ' ')
		(*p)++;
	if (!**p || (*p)[1] != ' ')
		return false;
	*c = **p;
	(*p)++;
	return true;
}

/* ---- start: guest memory map ------------------------------------------ */

static void cmd_start(char *args)
{
	u64 n, v[4];
	unsigned int i, j;

	if (started)
		fail("start: already started");
	if (!parse_u64(&args, &n) || !n || n > VL_MAX_MAPS)
		fail("start: expected NMAPS (1-%d)", VL_MAX_MAPS);
	INIT_LIST_HEAD(&umem.list);
	for (i = 0; i < n; i++) {
		for (j = 0; j < 4; j++)
			if (!parse_u64(&args, &v[j]))
				fail("start: map %u: expected GPA SIZE HVA PERM", i);
		if (!v[1] || v[0] + (v[1] - 1) < v[0] || !v[3] || v[3] > VHOST_MAP_RW)
			fail("start: map %u: bad size or permission", i);
		maps[i].start = v[0];
		maps[i].size = v[1];
		maps[i].last = v[0] + v[1] - 1;
		maps[i].addr = v[2];
		maps[i].perm = (u32)v[3];
		list_add_tail(&maps[i].link, &umem.list);
	}
	nmaps = (unsigned int)n;
	umem.nmaps = nmaps;
	if (!parse_u64(&args, &n) || n > VL_MAX_BACKED)
		fail("start: expected NBACKED (0-%d)", VL_MAX_BACKED);
	for (i = 0; i < n; i++)
		if (!parse_u64(&args, &backed[i][0]) || !parse_u64(&args, &backed[i][1]))
			fail("start: backed range %u: expected HVA BYTES", i);
	nbacked = (unsigned int)n;
	if (!parse_u64(&args, &desc_hva) || !parse_u64(&args, &avail_hva))
		fail("start: expected DESC_HVA AVAIL_HVA");
	while (*args == ' ')
		args++;
	if (*args)
		fail("start: trailing text: %s", args);

	vqs_ptrs[0] = &vq_store;
	dev.vqs = vqs_ptrs;
	dev.nvqs = 1;
	dev.umem = &umem;
	dev.iotlb = NULL;
	vq_store.dev = &dev;
	vq_store.umem = &umem;
	vq_store.iotlb = NULL;
	vq_store.is_le = true;
	/* The caller runs with guest notifications off, as vhost_get_vq_desc() asserts. */
	vq_store.used_flags = VRING_USED_F_NO_NOTIFY;
	vq_store.acked_features = 1ULL << VIRTIO_F_VERSION_1;
	/* get_indirect() translates a table into vq->indirect, UIO_MAXIOV entries (vhost_dev_alloc_iovecs()). */
	vq_store.indirect = calloc(UIO_MAXIOV, sizeof(*vq_store.indirect));
	if (!vq_store.indirect)
		fail("start: out of memory");
	started = true;
	answer("ok");
}

/* The driver's own guest-physical to user address lookup, for laying out tables. */
static bool gpa_to_hva(u64 gpa, u64 *hva)
{
	unsigned int i;

	for (i = 0; i < nmaps; i++)
		if (gpa >= maps[i].start && gpa <= maps[i].last) {
			*hva = maps[i].addr + (gpa - maps[i].start);
			return true;
		}
	return false;
}

/* ---- case ---------------------------------------------------------------- */

static void fill_canaries(unsigned int iov_end, unsigned int log_end)
{
	unsigned int i;

	for (i = 0; i < iov_end; i++) {
		iovbuf[i].iov_base = (void *)(uintptr_t)VL_CANARY_ADDR;
		iovbuf[i].iov_len = (size_t)VL_CANARY_LEN;
	}
	for (i = 0; i < log_end; i++) {
		logbuf[i].addr = VL_CANARY_ADDR;
		logbuf[i].len = VL_CANARY_LEN;
	}
}

/* How many of the guard entries after the caller's arrays lost their canary. */
static unsigned int iov_guard_touched(unsigned int iov_size)
{
	unsigned int i, n = 0;

	for (i = iov_size; i < iov_size + VL_GUARD; i++)
		n += iovbuf[i].iov_base != (void *)(uintptr_t)VL_CANARY_ADDR ||
		     iovbuf[i].iov_len != (size_t)VL_CANARY_LEN;
	return n;
}

static unsigned int log_guard_touched(unsigned int iov_limit)
{
	unsigned int i, n = 0;

	for (i = iov_limit; i < iov_limit + VL_GUARD; i++)
		n += logbuf[i].addr != VL_CANARY_ADDR || logbuf[i].len != VL_CANARY_LEN;
	return n;
}

/*
 * FNV-1a over the caller's iovecs, a 64-bit word at a time (base, then
 * length): the answer carries the iovecs without listing them.
 */
static u64 iov_hash(unsigned int iov_size)
{
	u64 h = VL_FNV1A_OFFSET_BASIS;
	unsigned int i;

	for (i = 0; i < iov_size; i++) {
		h = vl_fnv1a_step(h, (u64)(uintptr_t)iovbuf[i].iov_base);
		h = vl_fnv1a_step(h, (u64)iovbuf[i].iov_len);
	}
	return h;
}

/*
 * case ID NUM IOV_SIZE IOV_LIMIT LOG HEAD NRUNS then NRUNS x
 * (r SLOT | g GPA) K ADDR ASTEP LEN FLAGS NEXT NSTEP
 */
static void cmd_case(char *args)
{
	struct vhost_virtqueue *vq = &vq_store;
	u64 id, num, iov_size, iov_limit, log, head, nruns, v[6], at;
	unsigned int out, in, log_num, i, iov_touched, log_touched;
	u64 r, k;
	char kind;
	int ret;

	if (!parse_u64(&args, &id) || !parse_u64(&args, &num) || !parse_u64(&args, &iov_size) ||
	    !parse_u64(&args, &iov_limit) || !parse_u64(&args, &log) || !parse_u64(&args, &head) ||
	    !parse_u64(&args, &nruns))
		fail("case: expected ID NUM IOV_SIZE IOV_LIMIT LOG HEAD NRUNS");
	if (!num || (num & (num - 1)) || num > VL_MAX_NUM)
		fail("case %llx: NUM %llu is not a power of 2 up to %d", (unsigned long long)id,
		     (unsigned long long)num, VL_MAX_NUM);
	if (iov_size > VL_IOV_CAP || iov_limit > VL_LOG_CAP || !iov_limit)
		fail("case %llx: IOV_SIZE or IOV_LIMIT out of range (IOV_SIZE <= %d, 1 <= IOV_LIMIT <= %d)",
		     (unsigned long long)id, VL_IOV_CAP, VL_LOG_CAP);

	vl_user_reset();
	for (i = 0; i < nbacked; i++)
		vl_user_add(backed[i][0], backed[i][1]);
	if (vl_user_add(desc_hva, num * sizeof(struct vring_desc)) ||
	    vl_user_add(avail_hva, 4 + 2 * num + 2) || vl_user_commit())
		fail("case %llx: the rings and tables do not fit the shim's %lu bytes of user memory",
		     (unsigned long long)id, VL_USER_MAX_BYTES);

	for (r = 0; r < nruns; r++) {
		if (!parse_word(&args, &kind) || (kind != 'r' && kind != 'g') || !parse_u64(&args, &at) ||
		    !parse_u64(&args, &k))
			fail("case %llx: run %llu: expected (r SLOT | g GPA) K ADDR ASTEP LEN FLAGS NEXT NSTEP",
			     (unsigned long long)id, (unsigned long long)r);
		for (i = 0; i < 6; i++)
			if (!parse_u64(&args, &v[i]))
				fail("case %llx: run %llu: expected ADDR ASTEP LEN FLAGS NEXT NSTEP",
				     (unsigned long long)id, (unsigned long long)r);
		for (i = 0; i < k; i++) {
			struct vring_desc d = {
				.addr = v[0] + i * v[1],
				.len = (u32)v[2],
				.flags = (u16)v[3],
				.next = (u16)(v[4] + i * v[5]),
			};
			u64 hva;

			if (kind == 'r') {
				if (at + i >= num)
					fail("case %llx: run %llu: slot %llu is past the ring of %llu",
					     (unsigned long long)id, (unsigned long long)r,
					     (unsigned long long)(at + i), (unsigned long long)num);
				hva = desc_hva + (at + i) * sizeof(d);
			} else if (!gpa_to_hva(at + i * sizeof(d), &hva)) {
				fail("case %llx: run %llu: table at guest-physical 0x%llx is not mapped",
				     (unsigned long long)id, (unsigned long long)r,
				     (unsigned long long)(at + i * sizeof(d)));
			}
			if (vl_user_write(hva, &d, sizeof(d)))
				fail("case %llx: run %llu: descriptor %u lands outside the backed memory",
				     (unsigned long long)id, (unsigned long long)r, i);
		}
	}
	while (*args == ' ')
		args++;
	if (*args)
		fail("case %llx: trailing text: %.40s", (unsigned long long)id, args);

	/* The guest made one buffer available: avail->ring[0] = HEAD, avail->idx = 1. */
	if (vl_user_write(avail_hva + 4, &(u16){ (u16)head }, 2) ||
	    vl_user_write(avail_hva + 2, &(u16){ 1 }, 2))
		fail("case %llx: the avail ring is not backed", (unsigned long long)id);
	vq->num = (unsigned int)num;
	vq->desc = (vring_desc_t __user *)(uintptr_t)desc_hva;
	vq->avail = (vring_avail_t __user *)(uintptr_t)avail_hva;
	vq->used = NULL;
	vq->last_avail_idx = 0;
	vq->avail_idx = 0;
	dev.iov_limit = (int)iov_limit;

	fill_canaries((unsigned int)iov_size + VL_GUARD, (unsigned int)iov_limit + VL_GUARD);
	out = in = 0xdead;
	log_num = VL_NOT_WRITTEN;
	vl_bug_target = &bug_jump;
	if (setjmp(bug_jump)) {
		vl_bug_target = NULL;
		unpoison_tails((unsigned int)iov_size, (unsigned int)iov_limit);
		fail("case %llx: BUG() reached in the kernel code", (unsigned long long)id);
	}
	poison_tails((unsigned int)iov_size, (unsigned int)iov_limit);
	ret = vhost_get_vq_desc(vq, iovbuf, (unsigned int)iov_size, &out, &in,
				log ? logbuf : NULL, &log_num);
	unpoison_tails((unsigned int)iov_size, (unsigned int)iov_limit);
	vl_bug_target = NULL;
	iov_touched = iov_guard_touched((unsigned int)iov_size);
	log_touched = log_guard_touched((unsigned int)iov_limit);

	printf("ok %llx %x %x %x %x %x %x %llx", (unsigned long long)id, (unsigned int)ret, out, in,
	       log_num, iov_touched, log_touched, (unsigned long long)iov_hash((unsigned int)iov_size));
	/* The log entries the kernel says it filled (as far as the buffer goes). */
	if (ret >= 0 && log)
		for (i = 0; i < log_num && i < VL_LOG_CAP + VL_GUARD; i++)
			printf(" %llx+%llx", (unsigned long long)logbuf[i].addr,
			       (unsigned long long)logbuf[i].len);
	putchar('\n');
	fflush(stdout);
}

int main(void)
{
	static char line[VL_LINE_MAX];
	int got;

	while ((got = read_command(line, sizeof(line), "vhostlog-chains")) > 0) {
		if (!strcmp(line, "quit")) {
			answer("ok bye");
			break;
		}
		if (!strncmp(line, "start ", 6))
			cmd_start(line + 6);
		else if (!started)
			answer("err start first");
		else if (!strncmp(line, "case ", 5))
			cmd_case(line + 5);
		else
			answer("err unknown command: %.20s", line);
	}
	return got < 0 ? 2 : 0;
}
