/*
 * Dispatch: calls the function under test on a built case and appends its
 * response (PROTOCOL.md).  The functions come from the C file named by the
 * macro VL_FUNCTIONS; it is #included here so that static definitions are
 * callable.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vl_wire.h"
#include "worker.h"

#ifndef VL_FUNCTIONS
#error "build with -DVL_FUNCTIONS='\"/path/to/functions.c\"'"
#endif
#include VL_FUNCTIONS

/* ---- the used ring, as the response functions see it ----------------- */

/* Used entries added in this case (the first VL_USED_KEPT are kept). */
static unsigned long vl_used_count;
static struct {
	int head;
	int len;
} vl_used[VL_USED_KEPT];

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
	if (vl_used_count < VL_USED_KEPT) {
		vl_used[vl_used_count].head = (int)head;
		vl_used[vl_used_count].len = len;
	}
	vl_used_count++;
	vl_signal_count++;
}

/*
 * Returns 1 when the call reached BUG(), 2 when it made more
 * set_bit_to_user() calls than the model's step limit (a hang, as the model
 * says of it), 0 when it returned.
 */
static int call_function(struct vl_case *c, int *ret)
{
	jmp_buf bug;
	volatile int r = 0;
	int jumped;

	vl_signal_count = 0;
	vl_warn_count = 0;
	vl_pr_err_count = 0;
	vl_used_count = 0;
	vl_alloc_count = 0;
	vl_alloc_bytes = 0;
	vl_free_count = 0;
	vl_allocs_left = c->allocs_before_failure;
	vl_notify_avail_idx = c->fn == VL_FN_vhost_scsi_get_desc && c->notify <= 0xffff ? (int)c->notify : -1;
	vl_set_bit_count = 0;
	vl_set_bit_limit = VL_STEP_LIMIT;
	vl_bug_target = &bug;
	jumped = setjmp(bug);
	if (jumped) {
		vl_bug_target = NULL;
		*ret = 0;
		return jumped;
	}
	switch (c->fn) {
	/* VL_LACKS_<name>: C generated from a model state before Baseline (equiv --state). */
#ifndef VL_LACKS_log_write
	case VL_FN_log_write:
		r = log_write(c->vq->log_base, c->address, c->length);
		break;
#endif
#ifndef VL_LACKS_log_write_hva
	case VL_FN_log_write_hva:
		r = log_write_hva(c->vq, c->address, c->length);
		break;
#endif
#ifndef VL_LACKS_vhost_log_write
	case VL_FN_vhost_log_write:
		r = vhost_log_write(c->vq, c->log, (unsigned int)c->nlog,
				    c->length, c->iov, (int)c->niov);
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_log_write
	case VL_FN_vhost_scsi_log_write: {
		/* A command's tvc_log is a valid pointer even when empty. */
		static struct vhost_log empty_log[1];

		vhost_scsi_log_write(c->vq, c->null_log ? NULL :
				     c->nlog ? c->log : empty_log,
				     (unsigned int)c->nlog);
	}
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_copy_cmd_log
	case VL_FN_vhost_scsi_copy_cmd_log:
		r = vhost_scsi_copy_cmd_log(c->vq, &c->cmd, c->vq_log,
					    (unsigned int)c->nlog);
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_copy_tmf_log
	case VL_FN_vhost_scsi_copy_tmf_log:
		r = vhost_scsi_copy_tmf_log(&c->tmf, c->vq_log,
					    (unsigned int)c->nlog);
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_destroy_vq_log
	case VL_FN_vhost_scsi_destroy_vq_log:
		vhost_scsi_destroy_vq_log(c->vq);
		break;
#endif
	/* VL_OLD_<name>: the form before patches 2 and 3 (vs, vq, head, out). */
#ifdef VL_HAVE_vhost_scsi_send_status
	case VL_FN_vhost_scsi_send_status:
#ifdef VL_OLD_vhost_scsi_send_status
		vhost_scsi_send_status(&c->vs, c->vq, (int)c->head,
				       (unsigned int)c->out, (u8)c->kind);
#else
		vhost_scsi_send_status(&c->vs, c->vq, &c->vc, (u8)c->kind);
#endif
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_send_bad_target
	case VL_FN_vhost_scsi_send_bad_target:
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
	case VL_FN_vhost_scsi_get_desc:
#ifdef VL_OLD_vhost_scsi_get_desc
		r = vhost_scsi_get_desc(&c->vs, c->vq, &c->vc);
#else
		r = vhost_scsi_get_desc(&c->vs, c->vq, &c->vc,
					c->null_log ? NULL : c->vq->log, &c->log_num);
#endif
		break;
#endif
#ifdef VL_HAVE_vhost_scsi_destroy_logs
	case VL_FN_vhost_scsi_destroy_logs:
		vhost_scsi_destroy_logs(&c->vs);
		break;
#endif
	default:
		/*
		 * A malformed request like the parser's refusals (PROTOCOL.md):
		 * the same words, so the runner reports it as one and not as a
		 * crash, and the answers before it are written first.
		 */
		vl_out_flush();
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

	p = vl_put(p, VL_COPY_CMD_LOG_FIXED + 2 * n);
	p = vl_put(p, vl_alloc_count);
	p = vl_put(p, c->earlier && c->cmd.tvc_log == c->earlier);
	p = vl_put(p, c->cmd.tvc_log_num);
	p = vl_put(p, c->cmd.tvc_log != NULL);
	for (i = 0; i < n; i++) {
		p = vl_put(p, c->cmd.tvc_log[i].addr);
		p = vl_put(p, c->cmd.tvc_log[i].len);
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

	p = vl_put(p, VL_COPY_TMF_LOG_FIXED + 2 * n);
	p = vl_put(p, vl_alloc_count);
	p = vl_put(p, (u64)live_allocations());
	p = vl_put(p, vl_alloc_bytes);
	p = vl_put(p, c->tmf.tmf_log_num);
	p = vl_put(p, c->tmf.tmf_log != NULL);
	for (i = 0; i < n; i++) {
		p = vl_put(p, c->tmf.tmf_log[i].addr);
		p = vl_put(p, c->tmf.tmf_log[i].len);
	}
	return p;
}

/* What vhost_scsi_destroy_vq_log() left in the virtqueue's commands. */
static char *put_commands_state(char *p, const struct vl_case *c)
{
	size_t n = c->svq->scsi_cmds ? c->ncmds : 0, i;

	p = vl_put(p, VL_DESTROY_VQ_LOG_FIXED + 2 * n);
	p = vl_put(p, (u64)live_allocations());
	for (i = 0; i < n; i++) {
		p = vl_put(p, c->cmds[i].tvc_log != NULL);
		p = vl_put(p, c->cmds[i].tvc_log_num);
	}
	return p;
}

/* What vhost_scsi_destroy_logs() left in the device (PROTOCOL.md). */
static char *put_device_state(char *p, const struct vl_case *c)
{
	size_t i;

	p = vl_put(p, VL_DESTROY_LOGS_FIXED + (c->out - 2) + 2 * c->ncmds);
	p = vl_put(p, (u64)live_allocations());
	for (i = 2; i < c->out; i++) {
		p = vl_put(p, (u64)(long)c->svqs[i].vq.mutex.vl_depth);
	}
	for (i = 0; i < c->ncmds; i++) {
		p = vl_put(p, c->cmds[i].tvc_log != NULL);
		p = vl_put(p, c->cmds[i].tvc_log_num);
	}
	return p;
}

/* What a response function did with the used ring (PROTOCOL.md). */
static char *put_response_state(char *p)
{
	unsigned long n = vl_used_count < VL_USED_KEPT ? vl_used_count : VL_USED_KEPT, i;

	p = vl_put(p, VL_RESPONSE_FIXED + 2 * n);
	p = vl_put(p, vl_used_count);
	p = vl_put(p, vl_pr_err_count);
	for (i = 0; i < n; i++) {
		p = vl_put(p, (unsigned int)vl_used[i].head);
		p = vl_put(p, (unsigned int)vl_used[i].len);
	}
	return p;
}

/*
 * FNV-1a over n iovecs, a 64-bit word at a time (base, then length).  The
 * arrays hashed hold UIO_MAXIOV entries, mostly a zero tail: a zero word
 * only multiplies by the prime, so the tail is one power, not a chain of
 * 2048 dependent multiplications.
 */
static u64 iov_hash(const struct iovec *iov, size_t n)
{
	u64 h = VL_FNV1A_OFFSET_BASIS;
	size_t i, zeros = 0;

	while (n && !iov[n - 1].iov_base && !iov[n - 1].iov_len)
		n--, zeros++;
	for (i = 0; i < n; i++) {
		h = vl_fnv1a_step(h, (u64)(uintptr_t)iov[i].iov_base);
		h = vl_fnv1a_step(h, (u64)iov[i].iov_len);
	}
	return vl_fnv1a_zero_words(h, 2 * (u64)zeros);
}

static u64 log_hash(const struct vhost_log *log, size_t n)
{
	u64 h = VL_FNV1A_OFFSET_BASIS;
	size_t i, zeros = 0;

	while (n && !log[n - 1].addr && !log[n - 1].len)
		n--, zeros++;
	for (i = 0; i < n; i++) {
		h = vl_fnv1a_step(h, log[i].addr);
		h = vl_fnv1a_step(h, log[i].len);
	}
	return vl_fnv1a_zero_words(h, 2 * (u64)zeros);
}

/* The log entries vhost_scsi_get_desc() lists after its fixed fields. */
static size_t desc_logged(const struct vl_case *c)
{
	return c->null_log || c->log_num == VL_NOT_WRITTEN ? 0 :
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

	v[VL_DESC_HEAD] = (u32)c->vc.head;
	v[VL_DESC_OUT] = c->vc.out;
	v[VL_DESC_IN] = c->vc.in;
	v[VL_DESC_OUT_SIZE] = c->vc.out_size;
	v[VL_DESC_IN_SIZE] = c->vc.in_size;
	v[VL_DESC_ITER_DIRECTION] = it->data_source;
	/* Where the iterator starts, as an index into vq->iov. */
	v[VL_DESC_ITER_START] = !it->__iov ? ~0ULL :
	       it->__iov >= vq->iov && it->__iov <= vq->iov + UIO_MAXIOV ?
	       (u64)(it->__iov - vq->iov) : ~1ULL;
	v[VL_DESC_ITER_OFFSET] = it->iov_offset;
	v[VL_DESC_ITER_SEGMENTS] = it->nr_segs;
	v[VL_DESC_ITER_COUNT] = it->count;
	v[VL_DESC_LAST_AVAIL_IDX] = vq->last_avail_idx;
	v[VL_DESC_AVAIL_IDX] = vq->avail_idx;
	v[VL_DESC_USED_FLAGS] = vq->used_flags;
	v[VL_DESC_LOG_NUM] = c->log_num;
	v[VL_DESC_IOV_HASH] = iov_hash(vq->iov, UIO_MAXIOV);
	v[VL_DESC_LOG_HASH] = log_hash(c->vq_log, UIO_MAXIOV);
	v[VL_DESC_INDIRECT_HASH] = iov_hash(c->indirect, UIO_MAXIOV);
	/* What the readable and the writable iovecs hold (the specification's sizes). */
	v[VL_DESC_READABLE_BYTES] = iov_bytes(vq->iov, 0, c->vc.out);
	v[VL_DESC_WRITABLE_BYTES] = iov_bytes(vq->iov, c->vc.out, (u64)c->vc.out + c->vc.in);
	p = vl_put(p, VL_DESC_FIXED + 2 * nlog);
	for (i = 0; i < VL_DESC_FIXED; i++) {
		p = vl_put(p, v[i]);
	}
	for (i = 0; i < nlog; i++) {
		p = vl_put(p, c->vq_log[i].addr);
		p = vl_put(p, c->vq_log[i].len);
	}
	return p;
}

/*
 * The end of the run of bytes equal to the one at off, within the dirty
 * window.  32 bytes at a time while they last: a filled response area is
 * one run of 32 KiB, scanned twice per case, which byte by byte was most
 * of the worker's time for the response functions.
 */
static u64 run_end(const struct vl_user_range *r, u64 off)
{
	const unsigned char *b = r->bytes;
	unsigned char v = b[off];
	u64 pattern = 0x0101010101010101ULL * v;
	u64 end = off + 1, hi = r->dirty_hi;

	while (hi - end >= 32) {
		u64 w[4];

		memcpy(w, b + end, sizeof(w));
		if ((w[0] ^ pattern) | (w[1] ^ pattern) | (w[2] ^ pattern) | (w[3] ^ pattern))
			break;
		end += 32;
	}
	while (end < hi && b[end] == v)
		end++;
	return end;
}

static void respond(const struct vl_case *c, int bug, int ret)
{
	const struct vl_user_range *r;
	size_t nr, i, nruns = 0;
	u64 off, end;
	char *start, *p;

	r = vl_user_ranges(&nr);
	for (i = 0; i < nr; i++)
		for (off = r[i].dirty_lo; off < r[i].dirty_hi; off = end) {
			end = run_end(&r[i], off);
			nruns += r[i].bytes[off] != 0;
		}

	vl_out_reserve(128 + nruns * 40 + (c->fn == VL_FN_vhost_scsi_copy_cmd_log ? c->iov_limit * 34 : 0) +
		    (c->fn == VL_FN_vhost_scsi_get_desc ? (VL_DESC_FIXED + 2 * UIO_MAXIOV) * 17 : 0) +
		    (c->fn == VL_FN_vhost_scsi_copy_tmf_log ? 4 * 17 + c->nlog * 34 : 0) +
		    (c->fn == VL_FN_vhost_scsi_destroy_vq_log || c->fn == VL_FN_vhost_scsi_destroy_logs ? c->ncmds * 20 + 10 * 17 : 0) +
		    (c->fn == VL_FN_vhost_scsi_send_status || c->fn == VL_FN_vhost_scsi_send_bad_target ? 3 * 17 + VL_USED_KEPT * 18 : 0));
	start = vl_out_pos();
	p = vl_response_start(start, bug);
	p = vl_put(p, (unsigned int)ret);
	p = vl_put(p, vl_signal_count);
	p = vl_put(p, vl_warn_count);
	if (c->fn == VL_FN_vhost_scsi_copy_cmd_log && !bug) {
		p = put_command_state(p, c);
	} else if (c->fn == VL_FN_vhost_scsi_copy_tmf_log && !bug) {
		p = put_tmf_state(p, c);
	} else if (c->fn == VL_FN_vhost_scsi_destroy_vq_log && !bug) {
		p = put_commands_state(p, c);
	} else if ((c->fn == VL_FN_vhost_scsi_send_status || c->fn == VL_FN_vhost_scsi_send_bad_target) && !bug) {
		p = put_response_state(p);
	} else if (c->fn == VL_FN_vhost_scsi_get_desc && !bug) {
		p = put_desc_state(p, c);
	} else if (c->fn == VL_FN_vhost_scsi_destroy_logs && !bug) {
		p = put_device_state(p, c);
	} else {
		p = vl_put(p, 0);
	}
	p = vl_put(p, nruns);
	for (i = 0; i < nr; i++) {
		for (off = r[i].dirty_lo; off < r[i].dirty_hi; off = end) {
			end = run_end(&r[i], off);
			if (!r[i].bytes[off])
				continue;
			p = vl_put(p, r[i].start + off);
			p = vl_put(p, end - off);
			p = vl_put(p, r[i].bytes[off]);
		}
	}
	vl_out_commit(vl_response_end(start, p));
}

void vl_run_case(struct vl_case *c)
{
	int bug, ret;

	bug = call_function(c, &ret);
	respond(c, bug, ret);
}

