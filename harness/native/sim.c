/*
 * The native engine of `vhostlog simulate` (protocol: SIM-PROTOCOL.md).
 *
 * Plays the kernel side of a vhost-scsi device for the migration simulator:
 * the C of the request path comes unchanged from a kernel tree (the file
 * named by VL_FUNCTIONS, #included so that static definitions are
 * callable); around it, this file is the glue that vhost_scsi_handle_vq(),
 * vhost_scsi_complete_cmd_work(), vhost_scsi_ctl_handle_vq(),
 * vhost_scsi_tmf_resp_work() and vhost_scsi_do_evt_work() are in the
 * kernel, as far as they decide what is written and logged.  It mirrors
 * harness/Simulator/ManagedRequestPath.cs step for step, at the level of
 * the series the tree has (VL_SIM_GLUE, the highest patch of the series
 * whose glue the tree contains: 0, 4, 5, 6, 7 or 8), so that the two
 * engines can be compared page for page.
 *
 * The guest's side of the rings (writing descriptors and the avail ring,
 * reclaiming descriptors once used) is here too: the kernel functions read
 * real rings in simulated guest memory through vq->desc, vq->avail and
 * vq->used, and translate guest-physical addresses through dev->umem.
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

#ifndef VL_FUNCTIONS
#error "build with -DVL_FUNCTIONS='\"/path/to/functions.c\"'"
#endif
#include VL_FUNCTIONS

#ifndef VL_SIM_GLUE
#error "the functions file must define VL_SIM_GLUE (the series level of the tree)"
#endif

/* Where guest-physical page 0 is in the VMM's address space (any will do). */
#define VL_GUEST_HVA		0x7f1000000000ULL
#define VL_NQUEUES		3
#define VL_VQ_CTL		0
#define VL_VQ_EVT		1
#define VL_VQ_IO		2
#define VL_MAX_WRITES		(UIO_MAXIOV + 8)
#define VL_LINE_MAX		(64 * 1024)

/* A device-writable range, guest-physical. */
struct vl_write {
	u64 gpa;
	u64 len;
};

/* What a request keeps until it is answered: its head and in-buffers. */
struct vl_request {
	bool busy;
	int head;
	unsigned int nin;
	struct vl_write *in;
};

/* Indirect tables of VL_TABLE_DESCS descriptors each, in the area start names. */
#define VL_TABLE_DESCS		16

struct vl_queue {
	u64 desc_gpa, avail_gpa, used_gpa;
	unsigned int num;
	u16 avail_idx;			/* the guest's next avail index */
	unsigned int *free_desc;	/* free descriptor slots, a stack */
	unsigned int nfree;
};

static struct vhost_scsi vs;
static struct vhost_scsi_virtqueue svqs[VL_NQUEUES];
static struct vhost_virtqueue *vqs_ptrs[VL_NQUEUES];
static struct vhost_iotlb umem;
static struct vhost_iotlb_map guest_map;
static struct vl_queue queues[VL_NQUEUES];
static u64 log_base, guest_pages;
static bool started;
/* The guest's indirect tables (none when table_count is 0), shared by the queues. */
static u64 table_gpa;
static unsigned int table_count;
static bool *table_busy;

/* I/O commands by tag (struct vhost_scsi_cmd is the shim's copied facts). */
static struct vhost_scsi_cmd *cmds;
static struct vl_request *cmd_req;
static int ncmds;

/* TMFs waiting for the target, by id. */
struct vl_tmf {
	struct vhost_scsi_tmf tmf;
	struct vl_request req;
};
static struct vl_tmf **tmfs;
static int ntmfs;

/* Guest memory the device wrote during the current command (uaccess writes). */
static struct vl_write writes[VL_MAX_WRITES];
static unsigned int nwrites;
static bool tracing;

static jmp_buf bug_jump;

/* ---- answers ---------------------------------------------------------- */

static void answer_writes(const struct vl_write *w, unsigned int n,
			  const char *prefix)
{
	unsigned int i;

	printf("ok%s", prefix);
	for (i = 0; i < n; i++)
		printf(" %llx+%llx", (unsigned long long)w[i].gpa,
		       (unsigned long long)w[i].len);
	putchar('\n');
	fflush(stdout);
}

/* ---- guest memory ----------------------------------------------------- */

static u64 hva(u64 gpa)
{
	return VL_GUEST_HVA + gpa;
}

static void trace_write(u64 addr, size_t n)
{
	if (!tracing)
		return;
	if (nwrites == VL_MAX_WRITES) {
		fprintf(stderr, "vhostlog-sim: more than %d device writes in one command\n",
			VL_MAX_WRITES);
		abort();
	}
	/* Every device write the simulator maps is guest memory (the bitmap is written bit by bit, untraced). */
	writes[nwrites].gpa = addr - VL_GUEST_HVA;
	writes[nwrites].len = n;
	nwrites++;
}

static int guest_write(u64 gpa, const void *from, size_t n)
{
	return vl_user_write(hva(gpa), from, n);
}

static int guest_read(void *to, u64 gpa, size_t n)
{
	return vl_user_read(to, hva(gpa), n);
}

/* ---- start ------------------------------------------------------------ */

static void cmd_start(char *args)
{
	u64 shared, slots, v[4];
	int q;
	unsigned int i;

	if (started)
		fail("start: already started");
	if (!parse_u64(&args, &log_base) || !parse_u64(&args, &guest_pages) ||
	    !parse_u64(&args, &shared) || !parse_u64(&args, &slots))
		fail("start: expected LOG_BASE PAGES SHARED_PAGES SLOTS and 3 x (DESC AVAIL USED NUM)");
	if (!guest_pages || shared > guest_pages || !slots || slots > 4096)
		fail("start: bad sizes");
	vl_user_reset();
	if (vl_user_add(hva(0), shared * VHOST_PAGE_SIZE) ||
	    vl_user_add(log_base, (guest_pages + 7) / 8) || vl_user_commit())
		fail("start: the rings (%llu pages) and the bitmap do not fit the shim's %lu bytes of user memory",
		     (unsigned long long)shared, VL_USER_MAX_BYTES);

	/* dev->umem: one slot, all of guest memory (QEMU's RAM block). */
	INIT_LIST_HEAD(&umem.list);
	guest_map.start = 0;
	guest_map.size = guest_pages * VHOST_PAGE_SIZE;
	guest_map.last = guest_map.size - 1;
	guest_map.addr = VL_GUEST_HVA;
	guest_map.perm = VHOST_MAP_RW;
	list_add_tail(&guest_map.link, &umem.list);
	umem.nmaps = 1;

	vs.vqs = svqs;
	vs.dev.vqs = vqs_ptrs;
	vs.dev.nvqs = VL_NQUEUES;
	vs.dev.umem = &umem;
	vs.dev.iotlb = NULL;		/* vhost-scsi offers no VIRTIO_F_ACCESS_PLATFORM */
	vs.dev.iov_limit = UIO_MAXIOV;	/* what vhost_scsi_open() passes */
	for (q = 0; q < VL_NQUEUES; q++) {
		struct vhost_virtqueue *vq = &svqs[q].vq;
		struct vl_queue *g = &queues[q];

		for (i = 0; i < 4; i++)
			if (!parse_u64(&args, &v[i]))
				fail("start: queue %d: expected DESC AVAIL USED NUM", q);
		g->desc_gpa = v[0];
		g->avail_gpa = v[1];
		g->used_gpa = v[2];
		g->num = (unsigned int)v[3];
		if (!g->num || (g->num & (g->num - 1)) || g->num > 32768)
			fail("start: queue %d: size %u is not a power of 2", q, g->num);
		g->free_desc = calloc(g->num, sizeof(*g->free_desc));
		if (!g->free_desc)
			fail("start: out of memory");
		for (i = 0; i < g->num; i++)
			g->free_desc[i] = g->num - 1 - i;
		g->nfree = g->num;

		vqs_ptrs[q] = vq;
		vq->dev = &vs.dev;
		vq->num = g->num;
		vq->desc = (vring_desc_t __user *)(uintptr_t)hva(g->desc_gpa);
		vq->avail = (vring_avail_t __user *)(uintptr_t)hva(g->avail_gpa);
		vq->used = (vring_used_t __user *)(uintptr_t)hva(g->used_gpa);
		vq->umem = &umem;
		vq->iotlb = NULL;
		vq->is_le = true;
		/* The device runs with guest notifications off, as vhost_get_vq_desc() asserts. */
		vq->used_flags = VRING_USED_F_NO_NOTIFY;
		/* VHOST_SET_FEATURES with VHOST_F_LOG_ALL, VHOST_SET_LOG_BASE, VHOST_SET_VRING_ADDR with VHOST_VRING_F_LOG. */
		vq->acked_features = (1ULL << VHOST_F_LOG_ALL) | (1ULL << VIRTIO_F_VERSION_1);
		vq->log_base = (void __user *)(uintptr_t)log_base;
		vq->log_used = true;
		vq->log_addr = g->used_gpa;
		vq->log_ctx = vl_log_eventfd();
		vq->indirect = calloc(UIO_MAXIOV, sizeof(*vq->indirect));
		vq->log = calloc(UIO_MAXIOV, sizeof(*vq->log));
		if (!vq->indirect || !vq->log)
			fail("start: out of memory");
	}
	if (parse_u64(&args, &v[0]) && parse_u64(&args, &v[1])) {
		table_gpa = v[0];
		table_count = (unsigned int)(v[1] / (VL_TABLE_DESCS * sizeof(struct vring_desc)));
		table_busy = calloc(table_count ? table_count : 1, sizeof(*table_busy));
		if (!table_busy)
			fail("start: out of memory");
	}
	while (*args == ' ')
		args++;
	if (*args)
		fail("start: trailing text: %s", args);
	ncmds = (int)slots;
	cmds = calloc(slots, sizeof(*cmds));
	cmd_req = calloc(slots, sizeof(*cmd_req));
	if (!cmds || !cmd_req)
		fail("start: out of memory");
	vl_user_write_trace = trace_write;
	started = true;
	answer("ok glue=%d", VL_SIM_GLUE);
}

/* ---- the guest's side of a ring --------------------------------------- */

/*
 * post Q N ADDR LEN W ...: a chain of N descriptors made available.  Like
 * Linux's virtio_ring with VIRTIO_RING_F_INDIRECT_DESC, a chain of more
 * than one descriptor goes into an indirect table (one descriptor of the
 * ring points at it) while a table is free; otherwise into the ring.
 */
static void cmd_post(char *args)
{
	u64 q, n, addr, len, w, base;
	unsigned int i, slot[VL_TABLE_DESCS * 4], table = 0;
	struct vl_queue *g;
	bool indirect = false;
	u16 idx;

	if (!parse_u64(&args, &q) || q >= VL_NQUEUES || !parse_u64(&args, &n) || !n ||
	    n > ARRAY_SIZE(slot))
		fail("post: expected Q (0-2) N (1-%zu) and N x (ADDR LEN W)", ARRAY_SIZE(slot));
	g = &queues[q];
	if (n > 1 && n <= VL_TABLE_DESCS)
		for (table = 0; table < table_count; table++)
			if (!table_busy[table]) {
				indirect = true;
				break;
			}
	if (g->nfree < (indirect ? 1 : n))
		fail("post: queue %llu has %u free descriptors, the chain needs %llu",
		     (unsigned long long)q, g->nfree, (unsigned long long)n);
	if (indirect) {
		/* Descriptors of an indirect table are numbered from its start. */
		table_busy[table] = true;
		base = table_gpa + table * VL_TABLE_DESCS * sizeof(struct vring_desc);
		for (i = 0; i < n; i++)
			slot[i] = i;
	} else {
		base = g->desc_gpa;
		for (i = 0; i < n; i++)
			slot[i] = g->free_desc[--g->nfree];
	}
	for (i = 0; i < n; i++) {
		struct vring_desc d;

		if (!parse_u64(&args, &addr) || !parse_u64(&args, &len) || !parse_u64(&args, &w))
			fail("post: descriptor %u: expected ADDR LEN W", i);
		d.addr = addr;
		d.len = (u32)len;
		d.flags = (w ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d.next = i + 1 < n ? (u16)slot[i + 1] : 0;
		if (guest_write(base + slot[i] * sizeof(d), &d, sizeof(d)))
			fail("post: descriptor table at 0x%llx is not mapped", (unsigned long long)base);
	}
	if (indirect) {
		struct vring_desc d = {
			.addr = base,
			.len = (u32)(n * sizeof(d)),
			.flags = VRING_DESC_F_INDIRECT,
		};

		slot[0] = g->free_desc[--g->nfree];
		if (guest_write(g->desc_gpa + slot[0] * sizeof(d), &d, sizeof(d)))
			fail("post: descriptor table of queue %llu is not mapped", (unsigned long long)q);
	}
	/* avail->ring[idx % num] = head; then avail->idx (the guest's barrier is implied). */
	idx = g->avail_idx;
	if (guest_write(g->avail_gpa + 4 + 2 * (idx & (g->num - 1)), &(u16){ (u16)slot[0] }, 2) ||
	    guest_write(g->avail_gpa + 2, &(u16){ (u16)(idx + 1) }, 2))
		fail("post: avail ring of queue %llu is not mapped", (unsigned long long)q);
	g->avail_idx = idx + 1;
	answer("ok");
}

/* The guest takes a used chain back into its free list. */
static void reclaim(int q, int head)
{
	struct vl_queue *g = &queues[q];
	unsigned int i = (unsigned int)head, n = 0;
	struct vring_desc d;

	do {
		if (n++ > g->num || guest_read(&d, g->desc_gpa + i * sizeof(d), sizeof(d))) {
			fprintf(stderr, "vhostlog-sim: descriptor chain %d of queue %d is broken\n", head, q);
			abort();
		}
		g->free_desc[g->nfree++] = i;
		if (d.flags & VRING_DESC_F_INDIRECT)
			table_busy[(d.addr - table_gpa) / (VL_TABLE_DESCS * sizeof(d))] = false;
		i = d.next;
	} while (d.flags & VRING_DESC_F_NEXT);
}

/* ---- the device: the glue around the kernel functions ----------------- */

#if VL_SIM_GLUE >= 5
/* What the series' glue tests before it hands vq->log to the kernel. */
static bool log_all(struct vhost_virtqueue *vq)
{
	return vhost_has_feature(vq, VHOST_F_LOG_ALL);
}
#endif

/* The chain's device-writable buffers (response and data-in), guest-physical. */
static bool keep_in_buffers(struct vhost_virtqueue *vq, struct vl_request *r,
			    int head, unsigned int out, unsigned int in)
{
	unsigned int i;

	r->head = head;
	r->nin = in;
	r->in = calloc(in ? in : 1, sizeof(*r->in));
	if (!r->in)
		return false;
	for (i = 0; i < in; i++) {
		r->in[i].gpa = (u64)(uintptr_t)vq->iov[out + i].iov_base - VL_GUEST_HVA;
		r->in[i].len = vq->iov[out + i].iov_len;
	}
	r->busy = true;
	return true;
}

/*
 * vhost_scsi_get_desc() as the level's callers call it: three arguments
 * before patch 5, NULL logs from patch 5 on, and vq->log while
 * VHOST_F_LOG_ALL is set once the queue's own patch wires it in.
 */
static int get_desc(struct vhost_virtqueue *vq, struct vhost_scsi_ctx *vc,
		    bool logged, struct vhost_log **vq_log, unsigned int *log_num)
{
	memset(vc, 0, sizeof(*vc));
	*log_num = 0;
	*vq_log = NULL;
#if VL_SIM_GLUE >= 5
	if (logged) {
		*vq_log = log_all(vq) ? vq->log : NULL;
		return vhost_scsi_get_desc(&vs, vq, vc, *vq_log, log_num);
	}
	return vhost_scsi_get_desc(&vs, vq, vc, NULL, NULL);
#else
	(void)logged;
	return vhost_scsi_get_desc(&vs, vq, vc);
#endif
}

/* vhost_add_used() of a chain, then the guest reclaims it; the writes it made are traced. */
static bool add_used(int q, int head)
{
	int r = vhost_add_used(&svqs[q].vq, (unsigned int)head, 0);

	if (r) {
		answer("err vhost_add_used() on queue %d returned %d", q, r);
		return false;
	}
	reclaim(q, head);
	return true;
}

/* Answers the request's in-buffers followed by the device's traced writes. */
static void answer_request(struct vl_request *r, const char *prefix)
{
	struct vl_write all[VL_MAX_WRITES * 2];
	unsigned int n = 0, i;

	for (i = 0; i < r->nin && n < VL_MAX_WRITES; i++)
		all[n++] = r->in[i];
	for (i = 0; i < nwrites; i++)
		all[n++] = writes[i];
	answer_writes(all, n, prefix);
	free(r->in);
	r->in = NULL;
	r->busy = false;
}

static void cmd_submit(void)
{
	struct vhost_virtqueue *vq = &svqs[VL_VQ_IO].vq;
	struct vhost_scsi_ctx vc;
	struct vhost_log *vq_log;
	unsigned int log_num;
	int ret, tag;

	ret = get_desc(vq, &vc, VL_SIM_GLUE >= 6, &vq_log, &log_num);
	if (ret)
		fail("vhost_scsi_get_desc() returned %d: the guest posted no valid request", ret);
	for (tag = 0; tag < ncmds && cmd_req[tag].busy; tag++)
		;
	if (tag == ncmds)
		fail("no free command: the guest posted more requests than the device has tags");
	/* vhost_scsi_get_cmd(): memset() keeps tvc_log (patch 6 glue). */
	cmds[tag].tvc_log_num = 0;
#if VL_SIM_GLUE >= 6
	if (vq_log && log_num && vhost_scsi_copy_cmd_log(vq, &cmds[tag], vq_log, log_num))
		fail("vhost_scsi_copy_cmd_log() failed: the simulator injects no allocation failures");
#else
	(void)vq_log;
	(void)log_num;
#endif
	if (!keep_in_buffers(vq, &cmd_req[tag], vc.head, vc.out, vc.in))
		fail("out of memory");
	answer("ok %x", tag);
}

static void cmd_complete(char *args)
{
	u64 tag;
	struct vl_request *r;

	if (!parse_u64(&args, &tag) || tag >= (u64)ncmds || !cmd_req[tag].busy)
		fail("complete: command %s is not in flight", args);
	r = &cmd_req[tag];
	/* The backend wrote the data-in buffers and the response; vhost_add_used(), then (patch 6) the command's log. */
	if (!add_used(VL_VQ_IO, r->head))
		return;
#if VL_SIM_GLUE >= 6
	vhost_scsi_log_write(&svqs[VL_VQ_IO].vq, cmds[tag].tvc_log, cmds[tag].tvc_log_num);
#endif
	answer_request(r, "");
}

static void cmd_control(char *args)
{
	struct vhost_virtqueue *vq = &svqs[VL_VQ_CTL].vq;
	struct vhost_scsi_ctx vc;
	struct vhost_log *vq_log;
	unsigned int log_num;
	struct vl_request r = { 0 };
	bool lun_reset, logged = VL_SIM_GLUE >= 7;
	int ret, id;

	while (*args == ' ')
		args++;
	lun_reset = !strncmp(args, "lun-reset", 9);
	if (!lun_reset && strncmp(args, "abort-task", 10) && strncmp(args, "an-query", 8))
		fail("control: expected lun-reset, abort-task or an-query");
	ret = get_desc(vq, &vc, logged, &vq_log, &log_num);
	if (ret)
		fail("vhost_scsi_get_desc() returned %d: the guest posted no valid request", ret);
	if (!keep_in_buffers(vq, &r, vc.head, vc.out, vc.in))
		fail("out of memory");
	if (lun_reset) {
		struct vl_tmf *t = calloc(1, sizeof(*t));
		bool copy_failed = false;

		if (!t)
			fail("out of memory");
#if VL_SIM_GLUE >= 7
		copy_failed = logged && vq_log && log_num &&
			      vhost_scsi_copy_tmf_log(&t->tmf, vq_log, log_num);
#endif
		if (!copy_failed) {
			for (id = 0; id < ntmfs && tmfs[id]; id++)
				;
			if (id == ntmfs) {
				struct vl_tmf **n = realloc(tmfs, (size_t)(ntmfs + 1) * sizeof(*n));

				if (!n)
					fail("out of memory");
				tmfs = n;
				tmfs[ntmfs++] = NULL;
			}
			t->req = r;
			tmfs[id] = t;
			answer("ok pending %x", id);
			return;
		}
		/* The glue rejects a TMF whose log cannot be kept, as below. */
		free(t);
	}
	/* A rejected TMF or an AN request: answered at once, then logged (patch 7). */
	if (!add_used(VL_VQ_CTL, r.head))
		return;
#if VL_SIM_GLUE >= 7
	vhost_scsi_log_write(vq, vq_log, log_num);
#endif
	answer_request(&r, " done");
}

static void cmd_tmf(char *args)
{
	u64 id;
	struct vl_tmf *t;

	if (!parse_u64(&args, &id) || id >= (u64)ntmfs || !tmfs[id])
		fail("tmf: TMF %s is not pending", args);
	t = tmfs[id];
	tmfs[id] = NULL;
	if (!add_used(VL_VQ_CTL, t->req.head))
		return;
#if VL_SIM_GLUE >= 7
	vhost_scsi_log_write(&svqs[VL_VQ_CTL].vq, t->tmf.tmf_log, t->tmf.tmf_log_num);
#endif
	/* vhost_scsi_release_tmf_res() */
	kfree(t->tmf.tmf_log);
	answer_request(&t->req, "");
	free(t);
}

static void cmd_event(void)
{
	struct vhost_virtqueue *vq = &svqs[VL_VQ_EVT].vq;
	struct vl_request r = { 0 };
	struct vhost_log *vq_log = NULL;
	unsigned int out = 0, in = 0, log_num = 0;
	int head;

#if VL_SIM_GLUE >= 8
	vq_log = log_all(vq) ? vq->log : NULL;
	head = vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), &out, &in, vq_log, &log_num);
#else
	head = vhost_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), &out, &in, NULL, NULL);
#endif
	if (head < 0)
		fail("vhost_get_vq_desc() on the event queue returned %d", head);
	if ((unsigned int)head == vq->num) {
		answer("ok");	/* no buffer: the kernel notes vs_events_missed */
		return;
	}
	if (!keep_in_buffers(vq, &r, head, out, in))
		fail("out of memory");
	if (!add_used(VL_VQ_EVT, head))
		return;
#if VL_SIM_GLUE >= 8
	vhost_scsi_log_write(vq, vq_log, log_num);
#else
	(void)vq_log;
	(void)log_num;
#endif
	answer_request(&r, "");
}

/* The VMM's log sync: every page whose bit is set, ascending; the bits are cleared. */
static void cmd_dirty(void)
{
	u64 bytes = (guest_pages + 7) / 8, at;
	unsigned char b, zero = 0;
	int bit;

	tracing = false;	/* clearing the bitmap is the VMM's write, not the device's */
	printf("ok");
	for (at = 0; at < bytes; at++) {
		if (vl_user_read(&b, log_base + at, 1)) {
			fprintf(stderr, "vhostlog-sim: the dirty bitmap is not mapped\n");
			abort();
		}
		if (!b)
			continue;
		for (bit = 0; bit < 8; bit++)
			if (b & (1u << bit))
				printf(" %llx", (unsigned long long)(at * 8 + (u64)bit));
		vl_user_write(log_base + at, &zero, 1);
	}
	putchar('\n');
	fflush(stdout);
}

static void dispatch(char *line)
{
	char *args = strchr(line, ' ');
	size_t verb;

	verb = args ? (size_t)(args - line) : strlen(line);
	if (!args)
		args = line + verb;
#define IS(word) (verb == sizeof(word) - 1 && !strncmp(line, word, verb))
	if (IS("start")) {
		cmd_start(args);
		return;
	}
	if (!started && !IS("quit"))
		fail("%.*s: start first", (int)verb, line);
	if (IS("post"))
		cmd_post(args);
	else if (IS("submit"))
		cmd_submit();
	else if (IS("complete"))
		cmd_complete(args);
	else if (IS("control"))
		cmd_control(args);
	else if (IS("tmf"))
		cmd_tmf(args);
	else if (IS("event"))
		cmd_event();
	else if (IS("dirty"))
		cmd_dirty();
	else
		fail("unknown command: %.*s", (int)verb, line);
#undef IS
}

int main(void)
{
	static char line[VL_LINE_MAX];
	int got;

	while ((got = read_command(line, sizeof(line), "vhostlog-sim")) > 0) {
		if (!strcmp(line, "quit")) {
			answer("ok bye");
			break;
		}
		nwrites = 0;
		tracing = false;
		vl_bug_target = &bug_jump;
		if (setjmp(bug_jump)) {
			tracing = false;
			answer("err BUG() reached in the kernel code");
			continue;
		}
		/* Only the device's writes between here and the answer are traced; the guest's are untraced. */
		tracing = strncmp(line, "post", 4) != 0;
		dispatch(line);
		tracing = false;
		vl_bug_target = NULL;
	}
	return got < 0 ? 2 : 0;
}
