/*
 * The native side of the equivalence harness (protocol: PROTOCOL.md):
 * framing and the main loop.
 *
 * Reads requests on stdin, on the text wire (one line per case, the
 * default) or the binary one (`--binary`: framed, little-endian), has
 * each case built (worker_case.c) and run (worker_dispatch.c), and keeps
 * the responses in a buffer written on `F` (or when it grows large).  If
 * the worker dies (fatal signal, sanitizer error, SIGTERM from the
 * runner's watchdog), it first writes the complete responses it holds and
 * a `D` record naming the case in flight, so the runner can tell which
 * case killed it.
 */
#include <errno.h>
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

#include "worker.h"

#define VL_FLUSH_AT (256u * 1024u)
/* A binary request larger than this is refused (user memory is 1 MiB). */
#define VL_MAX_FRAME (4u << 20)

enum vl_wire vl_wire = VL_WIRE_TEXT;

/* ---- output buffer (also read by the death handlers) ------------------ */

static char *volatile out_buf;
static size_t out_cap;
static size_t out_len;			/* append position */
static volatile size_t out_committed;	/* end of the last complete response */
static volatile size_t out_written;	/* prefix already written to fd 1 */
volatile unsigned long long vl_cur_case = VL_NO_CASE;

void vl_out_reserve(size_t extra)
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

void vl_out_flush(void)
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

char *vl_out_pos(void)
{
	return out_buf + out_len;
}

void vl_out_commit(char *end)
{
	out_len = (size_t)(end - out_buf);
	out_committed = out_len;
	if (out_len >= VL_FLUSH_AT)
		vl_out_flush();
}

static const char vl_hex_digits[] = "0123456789abcdef";

char *vl_put_hex(char *p, unsigned long long v)
{
	int n = 1;
	int i;

	while (n < 16 && (v >> (4 * n)))
		n++;
	for (i = n - 1; i >= 0; i--)
		p[i] = vl_hex_digits[v & 0xf], v >>= 4;
	return p + n;
}

static char *put_le64(char *p, unsigned long long v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (char)(v >> (8 * i));
	return p + 8;
}

static u64 get_le64(const char *p)
{
	const unsigned char *b = (const unsigned char *)p;
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
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
	if (vl_wire == VL_WIRE_BINARY) {
		/* 'D', the case and the signal as 8 bytes each. */
		*p++ = 'D';
		p = put_le64(p, vl_cur_case);
		p = put_le64(p, (unsigned long long)sig);
	} else {
		*p++ = 'D';
		*p++ = ' ';
		p = vl_put_hex(p, vl_cur_case);
		*p++ = ' ';
		p = vl_put_hex(p, (unsigned long long)sig);
		*p++ = '\n';
	}
	if (write(1, line, (size_t)(p - line)) < 0) {
		/* nothing left to do */
	}
	p = line;
	memcpy(p, marker, sizeof(marker) - 1);
	p += sizeof(marker) - 1;
	p = vl_put_hex(p, vl_cur_case);
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

/* ---- the binary wire -------------------------------------------------- */

char *vl_put(char *p, u64 v)
{
	return vl_wire == VL_WIRE_BINARY ? put_le64(p, v) : vl_text_put(p, v);
}

/* 'R', the body's length (4 bytes, filled in by vl_response_end), the outcome. */
char *vl_response_start(char *p, int bug)
{
	if (vl_wire != VL_WIRE_BINARY)
		return vl_text_response_start(p, bug);
	p[0] = 'R';
	p[5] = (char)bug;
	return p + 6;
}

char *vl_response_end(char *start, char *p)
{
	size_t body;
	int i;

	if (vl_wire != VL_WIRE_BINARY)
		return vl_text_response_end(p);
	body = (size_t)(p - start) - 5;
	for (i = 0; i < 4; i++)
		start[1 + i] = (char)(body >> (8 * i));
	return p;
}

u64 vl_field(struct vl_parser *ps, const char *what)
{
	u64 v;

	if (vl_wire != VL_WIRE_BINARY)
		return vl_text_field(ps, what);
	if (ps->end - ps->p < 8)
		vl_malformed(ps, "expected %s (8 bytes)", what);
	v = get_le64(ps->p);
	ps->p += 8;
	return v;
}

size_t vl_count(struct vl_parser *ps, const char *what, size_t fields)
{
	u64 n;

	if (vl_wire != VL_WIRE_BINARY)
		return vl_text_count(ps, what, fields);
	n = vl_field(ps, what);
	if (n > (u64)(ps->end - ps->p) / (8 * fields))
		vl_malformed(ps, "%s %llx: the frame is too short for that many entries",
			     what, (unsigned long long)n);
	return (size_t)n;
}

/* The bytes as they are, no padding. */
void vl_bytes_field(struct vl_parser *ps, u64 addr, size_t n)
{
	if (vl_wire != VL_WIRE_BINARY) {
		vl_text_bytes_field(ps, addr, n);
		return;
	}
	if ((size_t)(ps->end - ps->p) < n)
		vl_malformed(ps, "the write at %llx has fewer than %zx bytes",
			     (unsigned long long)addr, n);
	if (vl_user_write(addr, ps->p, n))
		vl_malformed(ps, "the write at %llx+%zx lands outside the mapped ranges",
			     (unsigned long long)addr, n);
	ps->p += n;
}

void vl_end_of_request(const struct vl_parser *ps)
{
	if (ps->p != ps->end)
		vl_malformed(ps, vl_wire == VL_WIRE_BINARY ?
			     "unexpected bytes after the last field" :
			     "unexpected text after the last field");
}

void vl_malformed(const struct vl_parser *ps, const char *fmt, ...)
{
	va_list ap;
	int len = (int)(ps->end - ps->line);

	vl_out_flush();
	if (vl_wire == VL_WIRE_BINARY)
		fprintf(stderr, "vhostlog-worker: malformed input frame %lu, byte %ld: ",
			ps->lineno, (long)(ps->p - ps->line));
	else
		fprintf(stderr, "vhostlog-worker: malformed input line %lu, column %ld: ",
			ps->lineno, (long)(ps->p - ps->line) + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (vl_wire == VL_WIRE_BINARY)
		fprintf(stderr, "\n");
	else
		fprintf(stderr, "\n  %.*s%s\n", len > 120 ? 120 : len, ps->line,
			len > 120 ? "..." : "");
	_exit(2);
}

/* Reads exactly n bytes; 0 at a clean end of input, before any byte. */
static int read_exactly(void *to, size_t n, const struct vl_parser *ps)
{
	size_t got = fread(to, 1, n, stdin);

	if (got == n)
		return 1;
	if (ferror(stdin)) {
		perror("vhostlog-worker: stdin");
		vl_out_flush();
		_exit(3);
	}
	if (got)
		vl_malformed(ps, "the input ends inside a frame");
	return 0;
}

/*
 * Frames: 'C', the body's length (4 bytes), the body (PROTOCOL.md); 'F'
 * (flush) and 'Q' (quit) alone.
 */
static int binary_serve(void)
{
	static char inbuf[1 << 16];
	struct vl_parser ps = { 0 };
	char *body = NULL;
	size_t cap = 0;
	char type, len[4];
	u32 n;

	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	while (read_exactly(&type, 1, &ps)) {
		ps.lineno++;
		ps.line = ps.p = ps.end = body;
		if (type == 'Q')
			break;
		if (type == 'F') {
			vl_out_flush();
			continue;
		}
		if (type != 'C')
			vl_malformed(&ps, "expected a request C, F or Q");
		if (!read_exactly(len, 4, &ps))
			vl_malformed(&ps, "the input ends inside a frame");
		n = (u32)(unsigned char)len[0] | (u32)(unsigned char)len[1] << 8 |
		    (u32)(unsigned char)len[2] << 16 | (u32)(unsigned char)len[3] << 24;
		if (n > VL_MAX_FRAME)
			vl_malformed(&ps, "a request of %x bytes is over %x", n, VL_MAX_FRAME);
		if (n > cap) {
			free(body);
			cap = n;
			body = malloc(cap);
			if (!body) {
				fprintf(stderr, "vhostlog-worker: out of memory\n");
				abort();
			}
		}
		if (n && !read_exactly(body, n, &ps))
			vl_malformed(&ps, "the input ends inside a frame");
		ps.line = ps.p = body;
		ps.end = body + n;
		vl_serve_case(&ps);
	}
	free(body);
	return 0;
}

/* ---- the main loop ---------------------------------------------------- */

/* Static, so that whatever it holds stays reachable if we _exit mid-case. */
static struct vl_case cur;
static unsigned long long seq;

void vl_serve_case(struct vl_parser *ps)
{
	vl_parse_case(ps, &cur);
	vl_build_vq(&cur);
	vl_cur_case = seq;
	vl_run_case(&cur);
	vl_cur_case = VL_NO_CASE;
	seq++;
	vl_case_release(&cur);
}

int main(int argc, char **argv)
{
	int status;

	if (argc == 2 && !strcmp(argv[1], "--binary")) {
		vl_wire = VL_WIRE_BINARY;
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--binary]\n", argv[0]);
		return 2;
	}
	install_death_handlers();
	status = vl_wire == VL_WIRE_BINARY ? binary_serve() : vl_text_serve();
	if (status)
		return status;
	vl_out_flush();
	free(out_buf);
	out_buf = NULL;
	vl_user_free();
	return 0;
}
