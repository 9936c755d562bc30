/*
 * The native side of the differential harness (protocol: PROTOCOL.md).
 *
 * Reads one case per line on stdin, calls the function under test on a
 * fresh struct vhost_virtqueue (the tree's own, from vhost.h), and answers
 * one line per case on stdout.  The functions under test come from the C
 * file named by the macro VL_FUNCTIONS; it is #included below so that
 * static definitions are callable.
 *
 * Output is buffered and written on `F` (or when the buffer grows large).
 * If the worker dies (fatal signal, sanitizer error, SIGTERM from the
 * runner's watchdog), it first writes the complete responses it holds and
 * a `D` line naming the case in flight, so the runner can tell which case
 * killed it.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#include "scsi_request_env.h"
#include "vl_shim.h"

#ifndef VL_FUNCTIONS
#error "build with -DVL_FUNCTIONS='\"/path/to/functions.c\"'"
#endif
#include VL_FUNCTIONS

#define VL_NO_CASE (~0ULL)
#define VL_FLUSH_AT (256u * 1024u)

/* ---- output buffer (also read by the death handlers) ------------------ */

static char *volatile out_buf;
static size_t out_cap;
static size_t out_len;			/* append position */
static volatile size_t out_committed;	/* end of the last complete response */
static volatile size_t out_written;	/* prefix already written to fd 1 */
static volatile unsigned long long cur_case = VL_NO_CASE;

static void out_reserve(size_t extra)
{
	size_t cap;
	char *n, *old;

	if (out_cap - out_len >= extra)
		return;
	cap = out_cap ? out_cap : 1u << 16;
	while (cap - out_len < extra)
		cap *= 2;
	n = malloc(cap);
	if (!n) {
		fprintf(stderr, "vhostlog-worker: out of memory\n");
		abort();
	}
	if (out_len)
		memcpy(n, out_buf, out_len);
	old = out_buf;
	out_buf = n;		/* the handlers see either buffer, both complete */
	out_cap = cap;
	free(old);
}

static void out_flush(void)
{
	while (out_written < out_committed) {
		ssize_t w = write(1, out_buf + out_written,
				  out_committed - out_written);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		out_written += (size_t)w;
	}
	out_committed = 0;
	out_written = 0;
	out_len = 0;
}

static const char vl_hex_digits[] = "0123456789abcdef";

static char *put_hex(char *p, unsigned long long v)
{
	int n = 1;
	int i;

	while (n < 16 && (v >> (4 * n)))
		n++;
	for (i = n - 1; i >= 0; i--)
		p[i] = vl_hex_digits[v & 0xf], v >>= 4;
	return p + n;
}

/* ---- dying with a report ---------------------------------------------- */

/* Async-signal-safe: write(2) only, on data the main code keeps consistent. */
static void report_death(int sig)
{
	static const char marker[] = "vhostlog-worker: died in case ";
	char line[64], *p = line;
	char *buf = out_buf;
	size_t w = out_written, c = out_committed;

	while (buf && w < c) {
		ssize_t n = write(1, buf + w, c - w);

		if (n <= 0)
			break;
		w += (size_t)n;
	}
	*p++ = 'D';
	*p++ = ' ';
	p = put_hex(p, cur_case);
	*p++ = ' ';
	p = put_hex(p, (unsigned long long)sig);
	*p++ = '\n';
	if (write(1, line, (size_t)(p - line)) < 0) {
		/* nothing left to do */
	}
	p = line;
	memcpy(p, marker, sizeof(marker) - 1);
	p += sizeof(marker) - 1;
	p = put_hex(p, cur_case);
	*p++ = '\n';
	if (write(2, line, (size_t)(p - line)) < 0) {
		/* nothing left to do */
	}
}

static void on_fatal_signal(int sig)
{
	report_death(sig);
	/* SA_RESETHAND restored the default action; SA_NODEFER lets it act now. */
	raise(sig);
}

#ifdef __SANITIZE_ADDRESS__
/* ASan reports, then runs this before it exits. */
static void on_sanitizer_death(void)
{
	report_death(0);
}

/*
 * gcc links UBSan as a runtime of its own that does not run ASan's death
 * callback: have it abort() after its report instead, which the SIGABRT
 * handler below turns into the D line.
 */
const char *__ubsan_default_options(void);
__attribute__((__used__, __visibility__("default")))
const char *__ubsan_default_options(void)
{
	return "abort_on_error=1:print_stacktrace=1";
}
#endif

static void install_death_handlers(void)
{
	static const int sigs[] = {
		SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP,
		SIGSYS, SIGTERM, SIGXCPU, SIGXFSZ,
	};
	static char altstack[1 << 16];
	stack_t old;
	size_t i;

	/* Keep a sanitizer's alternate stack if it installed one. */
	if (sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE)) {
		stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };

		sigaltstack(&ss, NULL);
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction cur, sa;

		/* A sanitizer's own handler reports better; it calls back below. */
		if (sigaction(sigs[i], NULL, &cur) != 0 ||
		    (cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_DFL)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
		sigaction(sigs[i], &sa, NULL);
	}
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_set_death_callback(on_sanitizer_death);
#endif
}

/* ---- the used ring, as the response functions see it ----------------- */

#define VL_USED_MAX 8

/* Used entries added in this case (the first VL_USED_MAX are kept). */
static unsigned long vl_used_count;
static struct {
	int head;
	int len;
} vl_used[VL_USED_MAX];

/*
 * Stub of vhost.c's: the harness observes which buffer went back to the
 * guest and with what length, and that the guest was signalled, not the
 * used ring's layout in guest memory.
 */
void vhost_add_used_and_signal(struct vhost_dev *dev, struct vhost_virtqueue *vq,
			       unsigned int head, int len)
{
	(void)dev;
	(void)vq;
	if (vl_used_count < VL_USED_MAX) {
		vl_used[vl_used_count].head = (int)head;
		vl_used[vl_used_count].len = len;
	}
	vl_used_count++;
	vl_signal_count++;
}

/* ---- one case --------------------------------------------------------- */

struct vl_case {
	unsigned int fn;
	u64 log_base;
	u64 log_ctx;
	u64 iotlb;
	u64 address;
	u64 length;
	struct vhost_iotlb_map *maps;
	size_t nmaps;
	struct vhost_log *log;
	size_t nlog;
	struct iovec *iov;
	size_t niov;
	u64 features;
	unsigned int iov_limit;
	unsigned int prior_log;
	long allocs_before_failure;
	u64 null_log;
	u64 null_cmds;
	unsigned int *cmd_logs;		/* earlier log length per command */
	size_t ncmds;
	struct vhost_virtqueue *vq;
	struct vhost_dev dev;
	struct vhost_iotlb umem;
	struct vhost_iotlb device_iotlb;
	/* vhost_scsi_copy_cmd_log(): vq->log's stand-in and the command */
	struct vhost_log *vq_log;
	struct vhost_log *earlier;
	struct vhost_scsi_cmd cmd;
	/* vhost_scsi_copy_tmf_log(): a new request */
	struct vhost_scsi_tmf tmf;
	/* vhost_scsi_destroy_vq_log(): the I/O virtqueue vq is embedded in */
	struct vhost_scsi_virtqueue *svq;
	struct vhost_scsi_cmd *cmds;
	struct vhost_log **cmd_bufs;	/* the buffers the commands started with */
	/* vhost_scsi_send_status(), vhost_scsi_send_bad_target() */
	u64 head, out, in, kind, fill;
	struct vhost_scsi vs;
	struct vhost_scsi_ctx vc;
	/* vhost_scsi_destroy_logs(): the device's virtqueues (vs.vqs) */
	struct vhost_scsi_virtqueue *svqs;
	/* vhost_scsi_get_desc(): the rings (their bytes are in user memory) */
	u64 num, desc, avail, last_avail_idx, avail_idx, used_flags, notify;
	struct iovec *indirect;
	unsigned int log_num;
};

/* Static, so that whatever it holds stays reachable if we _exit mid-case. */
static struct vl_case cur;

/* Whether the code under test handed p to kfree() in this case. */
static int freed_by_case(const void *p)
{
	unsigned long i, n = vl_free_count < VL_FREED_MAX ?
			     vl_free_count : VL_FREED_MAX;

	for (i = 0; i < n; i++)
		if (vl_freed[i] == p)
			return 1;
	return 0;
}

static void case_release(struct vl_case *c)
{
	size_t i;

	free(c->maps);
	free(c->log);
	free(c->iov);
	if (c->svq)
		free(c->svq);	/* vq is embedded in it */
	else
		free(c->vq);
	free(c->vq_log);
	free(c->indirect);
	free(c->svqs);
	/* Never free twice what a broken variant freed and kept. */
	if (c->cmd.tvc_log != c->earlier && !freed_by_case(c->cmd.tvc_log))
		free(c->cmd.tvc_log);
	if (!freed_by_case(c->earlier))
		free(c->earlier);
	if (!freed_by_case(c->tmf.tmf_log))
		free(c->tmf.tmf_log);
	/* Free what vhost_scsi_destroy_vq_log() left, whether or not it NULLed it. */
	for (i = 0; c->cmd_bufs && i < c->ncmds; i++)
		if (c->cmd_bufs[i] && !freed_by_case(c->cmd_bufs[i]))
			free(c->cmd_bufs[i]);
	free(c->cmd_bufs);
	free(c->cmds);
	free(c->cmd_logs);
	memset(c, 0, sizeof(*c));
}

static void *alloc_array(size_t n, size_t size)
{
	void *p;

	if (!n)
		return NULL;
	p = calloc(n, size);
	if (!p) {
		fprintf(stderr, "vhostlog-worker: out of memory\n");
		abort();
	}
	return p;
}

/* ---- parsing ---------------------------------------------------------- */

struct vl_parser {
	const char *line;
	const char *p;
	const char *end;
	unsigned long lineno;
};

__attribute__((__noreturn__, __format__(__printf__, 2, 3)))
static void malformed(const struct vl_parser *ps, const char *fmt, ...)
{
	va_list ap;
	int len = (int)(ps->end - ps->line);

	out_flush();
	fprintf(stderr, "vhostlog-worker: malformed input line %lu, column %ld: ",
		ps->lineno, (long)(ps->p - ps->line) + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  %.*s%s\n", len > 120 ? 120 : len, ps->line,
		len > 120 ? "..." : "");
	_exit(2);
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static u64 field(struct vl_parser *ps, const char *what)
{
	u64 v = 0;
	int digits = 0, d;

	if (ps->p >= ps->end || *ps->p != ' ')
		malformed(ps, "expected ' ' and then %s", what);
	ps->p++;
	while (ps->p < ps->end && (d = hex_value(*ps->p)) >= 0) {
		if (digits == 16)
			malformed(ps, "%s has more than 16 hex digits", what);
		v = v << 4 | (u64)d;
		digits++;
		ps->p++;
	}
	if (!digits)
		malformed(ps, "expected %s (hex)", what);
	return v;
}

static u64 flag(struct vl_parser *ps, const char *what)
{
	u64 v = field(ps, what);

	if (v > 1)
		malformed(ps, "%s must be 0 or 1", what);
	return v;
}

/* A count of entries of `fields` fields each: every field takes >= 2 chars. */
static size_t count(struct vl_parser *ps, const char *what, size_t fields)
{
	u64 n = field(ps, what);

	if (n > (u64)(ps->end - ps->p) / (2 * fields))
		malformed(ps, "%s %llx: the line is too short for that many entries",
			  what, (unsigned long long)n);
	return (size_t)n;
}

/* ' ', then exactly n bytes as 2n hex digits, into user memory at addr. */
static void bytes_field(struct vl_parser *ps, u64 addr, size_t n)
{
	unsigned char chunk[256];
	size_t done = 0, k;
	int hi, lo;

	if (ps->p >= ps->end || *ps->p != ' ')
		malformed(ps, "expected ' ' and then the write's bytes");
	ps->p++;
	if ((size_t)(ps->end - ps->p) < 2 * n)
		malformed(ps, "the write at %llx has fewer than %zx bytes",
			  (unsigned long long)addr, n);
	while (done < n) {
		size_t m = n - done < sizeof(chunk) ? n - done : sizeof(chunk);

		for (k = 0; k < m; k++) {
			hi = hex_value(ps->p[0]);
			lo = hex_value(ps->p[1]);
			if (hi < 0 || lo < 0)
				malformed(ps, "the write's bytes must be hex digits");
			chunk[k] = (unsigned char)(hi << 4 | lo);
			ps->p += 2;
		}
		if (vl_user_write(addr + done, chunk, m))
			malformed(ps, "the write at %llx+%zx lands outside the mapped ranges",
				  (unsigned long long)addr, n);
		done += m;
	}
	if (ps->p < ps->end && *ps->p != ' ')
		malformed(ps, "the write at %llx has more than %zx bytes",
			  (unsigned long long)addr, n);
}

/* The virtqueue of fn 9 and the bytes of its rings (PROTOCOL.md). */
static void parse_ring(struct vl_parser *ps, struct vl_case *c)
{
	size_t n, i;

	c->num = field(ps, "num");
	if (c->fn == 9 && (!c->num || c->num > 0x8000 || (c->num & (c->num - 1))))
		malformed(ps, "num must be a power of 2 from 1 to 8000 for fn 9");
	if (c->fn == 9 && c->iotlb)
		malformed(ps, "iotlb must be 0 for fn 9 (vhost-scsi has no IOTLB)");
	c->desc = field(ps, "desc");
	c->avail = field(ps, "avail");
	c->last_avail_idx = field(ps, "last_avail_idx");
	c->avail_idx = field(ps, "avail_idx");
	c->used_flags = field(ps, "used_flags");
	if (c->last_avail_idx > 0xffff || c->avail_idx > 0xffff || c->used_flags > 0xffff)
		malformed(ps, "last_avail_idx, avail_idx and used_flags must be at most ffff");
	c->notify = field(ps, "notify_avail_idx");
	if (c->notify > 0xffff && c->notify != ~0ULL)
		malformed(ps, "notify_avail_idx must be at most ffff, or ffffffffffffffff for none");
	n = count(ps, "nwrites", 3);
	for (i = 0; i < n; i++) {
		u64 addr = field(ps, "write addr");
		u64 len = field(ps, "write len");

		if (len > VL_USER_MAX_BYTES)
			malformed(ps, "write len %llx is over 1 MiB", (unsigned long long)len);
		bytes_field(ps, addr, (size_t)len);
	}
}

static void parse_case(struct vl_parser *ps, struct vl_case *c)
{
	size_t n, i;
	u64 fn;

	fn = field(ps, "fn");
	if (fn > 10)
		malformed(ps, "fn must be 0 to 10");
	c->fn = (unsigned int)fn;
	c->log_base = field(ps, "log_base");
	c->log_ctx = flag(ps, "log_ctx");
	c->iotlb = flag(ps, "iotlb");
	c->address = field(ps, "address");
	c->length = field(ps, "length");

	vl_user_reset();
	n = count(ps, "nmapped", 2);
	for (i = 0; i < n; i++) {
		u64 start = field(ps, "mapped start");
		u64 len = field(ps, "mapped len");

		if (vl_user_add(start, len))
			malformed(ps, "mapped range %llx+%llx wraps or is over 1 MiB",
				  (unsigned long long)start,
				  (unsigned long long)len);
	}
	if (vl_user_commit())
		malformed(ps, "mapped ranges hold more than 1 MiB");

	c->nmaps = count(ps, "numem", 3);
	c->maps = alloc_array(c->nmaps, sizeof(*c->maps));
	for (i = 0; i < c->nmaps; i++) {
		c->maps[i].start = field(ps, "umem start");
		c->maps[i].size = field(ps, "umem size");
		c->maps[i].addr = field(ps, "umem addr");
	}

	c->nlog = count(ps, "nlog", 2);
	if (c->nlog > UINT_MAX)
		malformed(ps, "nlog does not fit unsigned int");
	c->log = alloc_array(c->nlog, sizeof(*c->log));
	for (i = 0; i < c->nlog; i++) {
		c->log[i].addr = field(ps, "log addr");
		c->log[i].len = field(ps, "log len");
	}

	c->niov = count(ps, "niov", 2);
	if (c->niov > INT_MAX)
		malformed(ps, "niov does not fit int");
	c->iov = alloc_array(c->niov, sizeof(*c->iov));
	for (i = 0; i < c->niov; i++) {
		c->iov[i].iov_base = (void *)(uintptr_t)field(ps, "iov base");
		c->iov[i].iov_len = (size_t)field(ps, "iov len");
	}

	c->features = field(ps, "features");
	c->iov_limit = (unsigned int)field(ps, "iov_limit");
	if (!c->iov_limit || c->iov_limit > 1024)
		malformed(ps, "iov_limit must be 1 to 1024");
	c->prior_log = (unsigned int)field(ps, "prior_log");
	if (c->prior_log > c->iov_limit)
		malformed(ps, "prior_log is over iov_limit");
	c->allocs_before_failure = (long)field(ps, "allocs_before_failure");
	c->null_log = flag(ps, "null_log");
	if ((c->fn == 4 || c->fn == 5) && c->nlog > c->iov_limit)
		malformed(ps, "nlog is over iov_limit (vq->log holds iov_limit entries)");
	/* The control queue's caller copies only a non-empty log. */
	if (c->fn == 5 && !c->nlog)
		malformed(ps, "nlog must be at least 1 for fn 5");

	c->null_cmds = flag(ps, "null_cmds");
	c->ncmds = count(ps, "ncmds", 1);
	if (c->ncmds > 1024)
		malformed(ps, "ncmds must be at most 400 (hex: 1024 commands)");
	c->cmd_logs = alloc_array(c->ncmds, sizeof(*c->cmd_logs));
	for (i = 0; i < c->ncmds; i++) {
		u64 v = field(ps, "command log length");

		if (v > c->iov_limit)
			malformed(ps, "command log length %llx is over iov_limit",
				  (unsigned long long)v);
		c->cmd_logs[i] = (unsigned int)v;
	}

	c->head = field(ps, "head");
	if (c->head > INT_MAX)
		malformed(ps, "head must be at most 7fffffff");
	c->out = field(ps, "out");
	c->in = field(ps, "in");
	/* The response iovecs are vq->iov[out .. out + in), UIO_MAXIOV in all. */
	if (c->out >= UIO_MAXIOV || c->in > UIO_MAXIOV - c->out)
		malformed(ps, "out must be below 400 (UIO_MAXIOV) and out + in at most 400");
	if ((c->fn == 7 || c->fn == 8) && c->niov > UIO_MAXIOV)
		malformed(ps, "niov must be at most 400 (vq->iov holds UIO_MAXIOV)");
	c->kind = field(ps, "kind");
	if (c->kind > 0xff)
		malformed(ps, "kind must be at most ff");
	/* fn 10: out virtqueues (2 to a), in commands per I/O queue. */
	if (c->fn == 10 && (c->out < 2 || c->out > 10))
		malformed(ps, "out (dev.nvqs) must be 2 to a for fn 10");
	if (c->fn == 10 && c->ncmds != (c->out - 2) * c->in)
		malformed(ps, "ncmds must be (out - 2) * in for fn 10 (in commands per I/O queue)");
	c->fill = field(ps, "fill");
	if (c->fill > 0xff)
		malformed(ps, "fill must be at most ff");
	vl_user_fill((unsigned char)c->fill);
	parse_ring(ps, c);

	if (ps->p != ps->end)
		malformed(ps, "unexpected text after the last field");
}

/* ---- running ---------------------------------------------------------- */

static void build_vq(struct vl_case *c)
{
	struct vhost_virtqueue *vq;
	size_t i;

	if (c->fn == 6) {
		/* container_of() must find the struct the vq is embedded in. */
		c->svq = alloc_array(1, sizeof(*c->svq));
		vq = &c->svq->vq;
	} else {
		vq = alloc_array(1, sizeof(*vq));
	}
	c->vq = vq;

	INIT_LIST_HEAD(&c->umem.list);
	for (i = 0; i < c->nmaps; i++) {
		struct vhost_iotlb_map *m = &c->maps[i];

		m->last = m->start + m->size - 1;
		m->perm = VHOST_MAP_RW;
		list_add_tail(&m->link, &c->umem.list);
	}
	c->umem.nmaps = (unsigned int)c->nmaps;
	INIT_LIST_HEAD(&c->device_iotlb.list);

	vq->log_base = (void __user *)(uintptr_t)c->log_base;
	vq->log_ctx = c->log_ctx ? vl_log_eventfd() : NULL;
	vq->umem = &c->umem;
	vq->iotlb = c->iotlb ? &c->device_iotlb : NULL;
	vq->acked_features = c->features;
	c->dev.iov_limit = (int)c->iov_limit;
	/* translate_desc() looks the guest's memory up in dev->umem. */
	c->dev.umem = &c->umem;
	vq->dev = &c->dev;

	if (c->fn == 4 || c->fn == 5) {
		/* The caller's array is vq->log: iov_limit entries. */
		c->vq_log = alloc_array(c->iov_limit, sizeof(*c->vq_log));
		if (c->nlog)
			memcpy(c->vq_log, c->log, c->nlog * sizeof(*c->log));
		if (c->prior_log) {
			c->earlier = alloc_array(c->iov_limit, sizeof(*c->earlier));
			for (i = 0; i < c->prior_log; i++) {
				c->earlier[i].addr = 0xdead00000000ULL + ((u64)i << 12);
				c->earlier[i].len = (u64)i + 1;
			}
		}
		c->cmd.tvc_log = c->earlier;
		c->cmd.tvc_log_num = c->prior_log;
	}

	if (c->fn == 6 || c->fn == 10) {
		/* At least one, so that no I/O queue's commands are NULL by accident. */
		c->cmds = alloc_array(c->ncmds ? c->ncmds : 1, sizeof(*c->cmds));
		c->cmd_bufs = alloc_array(c->ncmds, sizeof(*c->cmd_bufs));
		for (i = 0; i < c->ncmds; i++) {
			unsigned int k, n = c->cmd_logs[i];

			if (!n)
				continue;
			c->cmd_bufs[i] = alloc_array(c->iov_limit,
						     sizeof(*c->cmd_bufs[i]));
			for (k = 0; k < n; k++) {
				c->cmd_bufs[i][k].addr =
					0xdead00000000ULL + ((u64)k << 12);
				c->cmd_bufs[i][k].len = (u64)k + 1;
			}
			c->cmds[i].tvc_log = c->cmd_bufs[i];
			c->cmds[i].tvc_log_num = n;
		}
	}
	if (c->fn == 6) {
		c->svq->max_cmds = (int)c->ncmds;
		c->svq->scsi_cmds = c->null_cmds ? NULL : c->cmds;
	}
	if (c->fn == 10) {
		/* Control and event queues first, then the I/O queues. */
		c->svqs = alloc_array(c->out, sizeof(*c->svqs));
		c->vs.vqs = c->svqs;
		c->vs.dev.nvqs = (int)c->out;
		for (i = 2; i < c->out; i++) {
			struct vhost_scsi_virtqueue *svq = &c->svqs[i];

			svq->vq.dev = &c->dev;
			svq->max_cmds = (int)c->in;
			svq->scsi_cmds = c->kind >> (i - 2) & 1 ? NULL :
					 c->cmds + (i - 2) * c->in;
		}
	}

	if (c->fn == 9) {
		/* As the handler leaves the queue before it asks for a request. */
		vq->num = (unsigned int)c->num;
		vq->desc = (vring_desc_t __user *)(uintptr_t)c->desc;
		vq->avail = (vring_avail_t __user *)(uintptr_t)c->avail;
		vq->used = NULL;
		vq->last_avail_idx = (u16)c->last_avail_idx;
		vq->avail_idx = (u16)c->avail_idx;
		vq->used_flags = (u16)c->used_flags;
		vq->is_le = true;
		/* vhost_dev_alloc_iovecs(): UIO_MAXIOV entries each for vhost-scsi. */
		c->indirect = alloc_array(UIO_MAXIOV, sizeof(*c->indirect));
		c->vq_log = alloc_array(UIO_MAXIOV, sizeof(*c->vq_log));
		vq->indirect = c->indirect;
		vq->log = c->vq_log;
		c->log_num = 0xdeadbeef;
	}

	if (c->fn == 7 || c->fn == 8) {
		/* The request's iovecs as vhost_get_vq_desc() left them. */
		if (c->niov)
			memcpy(vq->iov, c->iov, c->niov * sizeof(*c->iov));
		c->vc.head = (int)c->head;
		c->vc.out = (unsigned int)c->out;
		c->vc.in = (unsigned int)c->in;
	}
}

/* Returns 1 when the call reached BUG(). */
static int call_function(struct vl_case *c, int *ret)
{
	jmp_buf bug;
	volatile int r = 0;

	vl_signal_count = 0;
	vl_warn_count = 0;
	vl_pr_err_count = 0;
	vl_used_count = 0;
	vl_alloc_count = 0;
	vl_alloc_bytes = 0;
	vl_free_count = 0;
	vl_allocs_left = c->allocs_before_failure;
	vl_notify_avail_idx = c->fn == 9 && c->notify <= 0xffff ? (int)c->notify : -1;
	vl_bug_target = &bug;
	if (setjmp(bug)) {
		vl_bug_target = NULL;
		*ret = 0;
		return 1;
	}
	switch (c->fn) {
	/* VL_LACKS_<name>: C generated from a model state before Baseline (equiv --state). */
#ifndef VL_LACKS_log_write
	case 0:
		r = log_write(c->vq->log_base, c->address, c->length);
		break;
#endif
#ifndef VL_LACKS_log_write_hva
	case 1:
		r = log_write_hva(c->vq, c->address, c->length);
		break;
#endif
#ifndef VL_LACKS_vhost_log_write
	case 2:
		r = vhost_log_write(c->vq, c->log, (unsigned int)c->nlog,
				    c->length, c->iov, (int)c->niov);
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_log_write
	case 3: {
		/* A command's tvc_log is a valid pointer even when empty. */
		static struct vhost_log empty_log[1];

		vhost_scsi_log_write(c->vq, c->null_log ? NULL :
				     c->nlog ? c->log : empty_log,
				     (unsigned int)c->nlog);
	}
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_copy_cmd_log
	case 4:
		r = vhost_scsi_copy_cmd_log(c->vq, &c->cmd, c->vq_log,
					    (unsigned int)c->nlog);
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_copy_tmf_log
	case 5:
		r = vhost_scsi_copy_tmf_log(&c->tmf, c->vq_log,
					    (unsigned int)c->nlog);
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_destroy_vq_log
	case 6:
		vhost_scsi_destroy_vq_log(c->vq);
		break;
#endif
	/* VL_OLD_<name>: the form before patches 2 and 3 (vs, vq, head, out). */
#ifdef VL_HAVE_vhost_scsi_send_status
	case 7:
#ifdef VL_OLD_vhost_scsi_send_status
		vhost_scsi_send_status(&c->vs, c->vq, (int)c->head,
				       (unsigned int)c->out, (u8)c->kind);
#else
		vhost_scsi_send_status(&c->vs, c->vq, &c->vc, (u8)c->kind);
#endif
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_send_bad_target
	case 8:
#ifdef VL_OLD_vhost_scsi_send_bad_target
		vhost_scsi_send_bad_target(&c->vs, c->vq, (int)c->head,
					   (unsigned int)c->out);
#else
		vhost_scsi_send_bad_target(&c->vs, c->vq, &c->vc, (int)c->kind);
#endif
		break;
#endif
	/* VL_OLD_vhost_scsi_get_desc: the form before patch 5 (vs, vq, vc). */
#ifdef VL_HAVE_vhost_scsi_get_desc
	case 9:
#ifdef VL_OLD_vhost_scsi_get_desc
		r = vhost_scsi_get_desc(&c->vs, c->vq, &c->vc);
#else
		r = vhost_scsi_get_desc(&c->vs, c->vq, &c->vc,
					c->null_log ? NULL : c->vq->log, &c->log_num);
#endif
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_destroy_logs
	case 10:
		vhost_scsi_destroy_logs(&c->vs);
		break;
#endif
	default:
		/*
		 * A malformed request like the parser's refusals (PROTOCOL.md):
		 * the same words, so the runner reports it as one and not as a
		 * crash, and the answers before it are written first.
		 */
		out_flush();
		fprintf(stderr, "vhostlog-worker: malformed input: this variant has no function %u (its C does not define it)\n",
			c->fn);
		_exit(2);
	}
	vl_bug_target = NULL;
	*ret = r;
	return 0;
}

/* What vhost_scsi_copy_cmd_log() left in the command (PROTOCOL.md). */
static char *put_command_state(char *p, const struct vl_case *c)
{
	size_t n = c->cmd.tvc_log ? c->iov_limit : 0, i;

	*p++ = ' ';
	p = put_hex(p, 4 + 2 * n);
	*p++ = ' ';
	p = put_hex(p, vl_alloc_count);
	*p++ = ' ';
	p = put_hex(p, c->earlier && c->cmd.tvc_log == c->earlier);
	*p++ = ' ';
	p = put_hex(p, c->cmd.tvc_log_num);
	*p++ = ' ';
	p = put_hex(p, c->cmd.tvc_log != NULL);
	for (i = 0; i < n; i++) {
		*p++ = ' ';
		p = put_hex(p, c->cmd.tvc_log[i].addr);
		*p++ = ' ';
		p = put_hex(p, c->cmd.tvc_log[i].len);
	}
	return p;
}

static long live_allocations(void)
{
	return (long)(vl_alloc_count - vl_free_count);
}

/* What vhost_scsi_copy_tmf_log() left in the request (PROTOCOL.md). */
static char *put_tmf_state(char *p, const struct vl_case *c)
{
	size_t n = c->tmf.tmf_log ? c->nlog : 0, i;

	*p++ = ' ';
	p = put_hex(p, 5 + 2 * n);
	*p++ = ' ';
	p = put_hex(p, vl_alloc_count);
	*p++ = ' ';
	p = put_hex(p, (u64)live_allocations());
	*p++ = ' ';
	p = put_hex(p, vl_alloc_bytes);
	*p++ = ' ';
	p = put_hex(p, c->tmf.tmf_log_num);
	*p++ = ' ';
	p = put_hex(p, c->tmf.tmf_log != NULL);
	for (i = 0; i < n; i++) {
		*p++ = ' ';
		p = put_hex(p, c->tmf.tmf_log[i].addr);
		*p++ = ' ';
		p = put_hex(p, c->tmf.tmf_log[i].len);
	}
	return p;
}

/* What vhost_scsi_destroy_vq_log() left in the virtqueue's commands. */
static char *put_commands_state(char *p, const struct vl_case *c)
{
	size_t n = c->svq->scsi_cmds ? c->ncmds : 0, i;

	*p++ = ' ';
	p = put_hex(p, 1 + 2 * n);
	*p++ = ' ';
	p = put_hex(p, (u64)live_allocations());
	for (i = 0; i < n; i++) {
		*p++ = ' ';
		p = put_hex(p, c->cmds[i].tvc_log != NULL);
		*p++ = ' ';
		p = put_hex(p, c->cmds[i].tvc_log_num);
	}
	return p;
}

/* What vhost_scsi_destroy_logs() left in the device (PROTOCOL.md). */
static char *put_device_state(char *p, const struct vl_case *c)
{
	size_t i;

	*p++ = ' ';
	p = put_hex(p, 1 + (c->out - 2) + 2 * c->ncmds);
	*p++ = ' ';
	p = put_hex(p, (u64)live_allocations());
	for (i = 2; i < c->out; i++) {
		*p++ = ' ';
		p = put_hex(p, (u64)(long)c->svqs[i].vq.mutex.vl_depth);
	}
	for (i = 0; i < c->ncmds; i++) {
		*p++ = ' ';
		p = put_hex(p, c->cmds[i].tvc_log != NULL);
		*p++ = ' ';
		p = put_hex(p, c->cmds[i].tvc_log_num);
	}
	return p;
}

/* What a response function did with the used ring (PROTOCOL.md). */
static char *put_response_state(char *p)
{
	unsigned long n = vl_used_count < VL_USED_MAX ? vl_used_count : VL_USED_MAX, i;

	*p++ = ' ';
	p = put_hex(p, 2 + 2 * n);
	*p++ = ' ';
	p = put_hex(p, vl_used_count);
	*p++ = ' ';
	p = put_hex(p, vl_pr_err_count);
	for (i = 0; i < n; i++) {
		*p++ = ' ';
		p = put_hex(p, (unsigned int)vl_used[i].head);
		*p++ = ' ';
		p = put_hex(p, (unsigned int)vl_used[i].len);
	}
	return p;
}

/* FNV-1a over n iovecs, a 64-bit word at a time (base, then length). */
static u64 iov_hash(const struct iovec *iov, size_t n)
{
	u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h = (h ^ (u64)(uintptr_t)iov[i].iov_base) * 0x100000001b3ULL;
		h = (h ^ (u64)iov[i].iov_len) * 0x100000001b3ULL;
	}
	return h;
}

static u64 log_hash(const struct vhost_log *log, size_t n)
{
	u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h = (h ^ log[i].addr) * 0x100000001b3ULL;
		h = (h ^ log[i].len) * 0x100000001b3ULL;
	}
	return h;
}

#define VL_DESC_FIXED 19

/* The log entries fn 9 lists after its fixed fields. */
static size_t desc_logged(const struct vl_case *c)
{
	return c->null_log || c->log_num == 0xdeadbeef ? 0 :
	       c->log_num < UIO_MAXIOV ? c->log_num : UIO_MAXIOV;
}

/* The bytes of vq->iov[from .. to), to at most UIO_MAXIOV. */
static u64 iov_bytes(const struct iovec *iov, u64 from, u64 to)
{
	u64 total = 0;

	if (to > UIO_MAXIOV)
		to = UIO_MAXIOV;
	for (; from < to; from++)
		total += iov[from].iov_len;
	return total;
}

/* What vhost_scsi_get_desc() left in vc, the virtqueue and the log (PROTOCOL.md). */
static char *put_desc_state(char *p, const struct vl_case *c)
{
	const struct vhost_virtqueue *vq = c->vq;
	const struct iov_iter *it = &c->vc.out_iter;
	u64 v[VL_DESC_FIXED];
	size_t nlog = desc_logged(c), i;

	v[0] = (u32)c->vc.head;
	v[1] = c->vc.out;
	v[2] = c->vc.in;
	v[3] = c->vc.out_size;
	v[4] = c->vc.in_size;
	v[5] = it->data_source;
	/* Where the iterator starts, as an index into vq->iov. */
	v[6] = !it->__iov ? ~0ULL :
	       it->__iov >= vq->iov && it->__iov <= vq->iov + UIO_MAXIOV ?
	       (u64)(it->__iov - vq->iov) : ~1ULL;
	v[7] = it->iov_offset;
	v[8] = it->nr_segs;
	v[9] = it->count;
	v[10] = vq->last_avail_idx;
	v[11] = vq->avail_idx;
	v[12] = vq->used_flags;
	v[13] = c->log_num;
	v[14] = iov_hash(vq->iov, UIO_MAXIOV);
	v[15] = log_hash(c->vq_log, UIO_MAXIOV);
	v[16] = iov_hash(c->indirect, UIO_MAXIOV);
	/* What the readable and the writable iovecs hold (the specification's sizes). */
	v[17] = iov_bytes(vq->iov, 0, c->vc.out);
	v[18] = iov_bytes(vq->iov, c->vc.out, (u64)c->vc.out + c->vc.in);
	*p++ = ' ';
	p = put_hex(p, VL_DESC_FIXED + 2 * nlog);
	for (i = 0; i < VL_DESC_FIXED; i++) {
		*p++ = ' ';
		p = put_hex(p, v[i]);
	}
	for (i = 0; i < nlog; i++) {
		*p++ = ' ';
		p = put_hex(p, c->vq_log[i].addr);
		*p++ = ' ';
		p = put_hex(p, c->vq_log[i].len);
	}
	return p;
}

/* The end of the run of bytes equal to the one at off, within the dirty window. */
static u64 run_end(const struct vl_user_range *r, u64 off)
{
	unsigned char v = r->bytes[off];
	u64 end = off + 1;

	while (end < r->dirty_hi && r->bytes[end] == v)
		end++;
	return end;
}

static void respond(const struct vl_case *c, int bug, int ret)
{
	const struct vl_user_range *r;
	size_t nr, i, nruns = 0;
	u64 off, end;
	char *p;

	r = vl_user_ranges(&nr);
	for (i = 0; i < nr; i++)
		for (off = r[i].dirty_lo; off < r[i].dirty_hi; off = end) {
			end = run_end(&r[i], off);
			nruns += r[i].bytes[off] != 0;
		}

	out_reserve(128 + nruns * 40 + (c->fn == 4 ? c->iov_limit * 34 : 0) +
		    (c->fn == 9 ? (VL_DESC_FIXED + 2 * UIO_MAXIOV) * 17 : 0) +
		    (c->fn == 5 ? 4 * 17 + c->nlog * 34 : 0) +
		    (c->fn == 6 || c->fn == 10 ? c->ncmds * 20 + 10 * 17 : 0) +
		    (c->fn == 7 || c->fn == 8 ? 3 * 17 + VL_USED_MAX * 18 : 0));
	p = out_buf + out_len;
	memcpy(p, bug ? "R bug " : "R ok ", bug ? 6 : 5);
	p += bug ? 6 : 5;
	p = put_hex(p, (unsigned int)ret);
	*p++ = ' ';
	p = put_hex(p, vl_signal_count);
	*p++ = ' ';
	p = put_hex(p, vl_warn_count);
	if (c->fn == 4 && !bug) {
		p = put_command_state(p, c);
	} else if (c->fn == 5 && !bug) {
		p = put_tmf_state(p, c);
	} else if (c->fn == 6 && !bug) {
		p = put_commands_state(p, c);
	} else if ((c->fn == 7 || c->fn == 8) && !bug) {
		p = put_response_state(p);
	} else if (c->fn == 9 && !bug) {
		p = put_desc_state(p, c);
	} else if (c->fn == 10 && !bug) {
		p = put_device_state(p, c);
	} else {
		*p++ = ' ';
		*p++ = '0';
	}
	*p++ = ' ';
	p = put_hex(p, nruns);
	for (i = 0; i < nr; i++) {
		for (off = r[i].dirty_lo; off < r[i].dirty_hi; off = end) {
			end = run_end(&r[i], off);
			if (!r[i].bytes[off])
				continue;
			*p++ = ' ';
			p = put_hex(p, r[i].start + off);
			*p++ = ' ';
			p = put_hex(p, end - off);
			*p++ = ' ';
			p = put_hex(p, r[i].bytes[off]);
		}
	}
	*p++ = '\n';
	out_len = (size_t)(p - out_buf);
	out_committed = out_len;
	if (out_len >= VL_FLUSH_AT)
		out_flush();
}

int main(void)
{
	static char inbuf[1 << 16];
	unsigned long long seq = 0;
	struct vl_parser ps = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	install_death_handlers();

	while ((n = getline(&line, &cap, stdin)) > 0) {
		int bug, ret;

		ps.lineno++;
		ps.line = line;
		ps.p = line;
		ps.end = line + n;
		if (line[n - 1] != '\n')
			malformed(&ps, "the last line has no newline");
		ps.end--;
		if (n == 2 && line[0] == 'Q')
			break;
		if (n == 2 && line[0] == 'F') {
			out_flush();
			continue;
		}
		if (line[0] != 'C')
			malformed(&ps, "expected a request C, F or Q");
		ps.p++;

		parse_case(&ps, &cur);
		build_vq(&cur);
		cur_case = seq;
		bug = call_function(&cur, &ret);
		respond(&cur, bug, ret);
		cur_case = VL_NO_CASE;
		seq++;
		case_release(&cur);
	}
	if (ferror(stdin)) {
		perror("vhostlog-worker: stdin");
		out_flush();
		return 3;
	}
	out_flush();
	free(line);
	free(out_buf);
	out_buf = NULL;
	vl_user_free();
	return 0;
}
