/*
 * What the parts of the native worker (PROTOCOL.md) share:
 *
 *   worker_io.c        framing: reading requests, the output buffer, the
 *                      binary wire, dying with a report, the main loop;
 *   worker_text.c      the text wire (hex fields, one line per case);
 *   worker_case.c      building a case: a request's fields into the C
 *                      structs and user memory, and freeing them again;
 *   worker_dispatch.c  calling the function under test (it #includes
 *                      VL_FUNCTIONS) and writing the response.
 *
 * Case building and the response code read and write numbers through
 * vl_field() and vl_put(), so the two wires carry the same fields in the
 * same order and differ only in how a number is spelt.
 */
#ifndef VL_WORKER_H
#define VL_WORKER_H

#include <stddef.h>

#include "scsi_request_env.h"
#include "vl_shim.h"
#include "vl_wire.h"

#define VL_NO_CASE (~0ULL)

enum vl_wire { VL_WIRE_TEXT, VL_WIRE_BINARY };

/* Chosen once from the command line, before the first request. */
extern enum vl_wire vl_wire;

/* ---- reading a request ------------------------------------------------ */

/* One request: a text line (without "C" and '\n') or a binary frame's body. */
struct vl_parser {
	const char *line;
	const char *p;
	const char *end;
	unsigned long lineno;
};

__attribute__((__noreturn__, __format__(__printf__, 2, 3)))
void vl_malformed(const struct vl_parser *ps, const char *fmt, ...);

/* The next number of the request (what names it in a refusal). */
u64 vl_field(struct vl_parser *ps, const char *what);
/* A count of entries of `fields` numbers each, checked against what is left. */
size_t vl_count(struct vl_parser *ps, const char *what, size_t fields);
/* Exactly n bytes of a write, put into user memory at addr. */
void vl_bytes_field(struct vl_parser *ps, u64 addr, size_t n);
/* Checks that the request ends here. */
void vl_end_of_request(const struct vl_parser *ps);

/* The text wire's readers (worker_text.c); vl_field() and friends pick. */
u64 vl_text_field(struct vl_parser *ps, const char *what);
size_t vl_text_count(struct vl_parser *ps, const char *what, size_t fields);
void vl_text_bytes_field(struct vl_parser *ps, u64 addr, size_t n);
/* The text wire's main loop: returns the exit status. */
int vl_text_serve(void);

/* ---- writing a response ----------------------------------------------- */

/* Room for extra more bytes at vl_out_pos(). */
void vl_out_reserve(size_t extra);
char *vl_out_pos(void);
/* Everything before end is one or more complete responses. */
void vl_out_commit(char *end);
/* Writes the complete responses (on F, at exit, before a refusal). */
void vl_out_flush(void);

/* One number of a response: ' ' and hex, or 8 bytes little-endian. */
char *vl_put(char *p, u64 v);
char *vl_text_put(char *p, u64 v);
/* The start and the end of a response (bug: it reached BUG()). */
char *vl_response_start(char *p, int bug);
char *vl_response_end(char *start, char *p);
char *vl_text_response_start(char *p, int bug);
char *vl_text_response_end(char *p);
/* Lower-case hex without leading zeros (signal-safe). */
char *vl_put_hex(char *p, unsigned long long v);

/* The case in flight, for the death report (counts requests from 0). */
extern volatile unsigned long long vl_cur_case;

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

/* worker_case.c */
void vl_parse_case(struct vl_parser *ps, struct vl_case *c);
void vl_build_vq(struct vl_case *c);
void vl_case_release(struct vl_case *c);

/* worker_dispatch.c: calls the function and appends its response. */
void vl_run_case(struct vl_case *c);

/* Parses, builds, runs, answers and releases one request (worker_io.c). */
void vl_serve_case(struct vl_parser *ps);

#endif
