/*
 * Building a case (PROTOCOL.md): a request's fields, read in their order
 * through vl_field() whatever the wire, into the C structs and the user
 * memory the function under test is called on, and freeing them after.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

/* The runner's UIO_MAXIOV (vl_wire.h, from Wire.cs) is the kernel header's. */
_Static_assert(VL_UIO_MAXIOV == UIO_MAXIOV, "Wire.UioMaxIov differs from UIO_MAXIOV");

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

void vl_case_release(struct vl_case *c)
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

static u64 flag(struct vl_parser *ps, const char *what)
{
	u64 v = vl_field(ps, what);

	if (v > 1)
		vl_malformed(ps, "%s must be 0 or 1", what);
	return v;
}

/* The virtqueue of vhost_scsi_get_desc() and the bytes of its rings (PROTOCOL.md). */
static void parse_ring(struct vl_parser *ps, struct vl_case *c)
{
	size_t n, i;

	c->num = vl_field(ps, "num");
	if (c->fn == VL_FN_vhost_scsi_get_desc && (!c->num || c->num > 0x8000 || (c->num & (c->num - 1))))
		vl_malformed(ps, "num must be a power of 2 from 1 to 8000 for vhost_scsi_get_desc()");
	if (c->fn == VL_FN_vhost_scsi_get_desc && c->iotlb)
		vl_malformed(ps, "iotlb must be 0 for vhost_scsi_get_desc() (vhost-scsi has no IOTLB)");
	c->desc = vl_field(ps, "desc");
	c->avail = vl_field(ps, "avail");
	c->last_avail_idx = vl_field(ps, "last_avail_idx");
	c->avail_idx = vl_field(ps, "avail_idx");
	c->used_flags = vl_field(ps, "used_flags");
	if (c->last_avail_idx > 0xffff || c->avail_idx > 0xffff || c->used_flags > 0xffff)
		vl_malformed(ps, "last_avail_idx, avail_idx and used_flags must be at most ffff");
	c->notify = vl_field(ps, "notify_avail_idx");
	if (c->notify > 0xffff && c->notify != ~0ULL)
		vl_malformed(ps, "notify_avail_idx must be at most ffff, or ffffffffffffffff for none");
	/* A write is two numbers and its bytes: 3 fields of text, 16 bytes or more in a frame. */
	n = vl_count(ps, "nwrites", vl_wire == VL_WIRE_BINARY ? 2 : 3);
	for (i = 0; i < n; i++) {
		u64 addr = vl_field(ps, "write addr");
		u64 len = vl_field(ps, "write len");

		if (len > VL_USER_MAX_BYTES)
			vl_malformed(ps, "write len %llx is over 1 MiB", (unsigned long long)len);
		vl_bytes_field(ps, addr, (size_t)len);
	}
}

void vl_parse_case(struct vl_parser *ps, struct vl_case *c)
{
	size_t n, i;
	u64 fn;

	fn = vl_field(ps, "fn");
	if (fn >= VL_FN_COUNT)
		vl_malformed(ps, "fn must be 0 to %d", VL_FN_COUNT - 1);
	c->fn = (unsigned int)fn;
	c->log_base = vl_field(ps, "log_base");
	c->log_ctx = flag(ps, "log_ctx");
	c->iotlb = flag(ps, "iotlb");
	c->address = vl_field(ps, "address");
	c->length = vl_field(ps, "length");

	vl_user_reset();
	n = vl_count(ps, "nmapped", 2);
	for (i = 0; i < n; i++) {
		u64 start = vl_field(ps, "mapped start");
		u64 len = vl_field(ps, "mapped len");

		if (vl_user_add(start, len))
			vl_malformed(ps, "mapped range %llx+%llx wraps or is over 1 MiB",
				  (unsigned long long)start,
				  (unsigned long long)len);
	}
	if (vl_user_commit())
		vl_malformed(ps, "mapped ranges hold more than 1 MiB");

	c->nmaps = vl_count(ps, "numem", 3);
	c->maps = alloc_array(c->nmaps, sizeof(*c->maps));
	for (i = 0; i < c->nmaps; i++) {
		c->maps[i].start = vl_field(ps, "umem start");
		c->maps[i].size = vl_field(ps, "umem size");
		c->maps[i].addr = vl_field(ps, "umem addr");
	}

	c->nlog = vl_count(ps, "nlog", 2);
	if (c->nlog > UINT_MAX)
		vl_malformed(ps, "nlog does not fit unsigned int");
	c->log = alloc_array(c->nlog, sizeof(*c->log));
	for (i = 0; i < c->nlog; i++) {
		c->log[i].addr = vl_field(ps, "log addr");
		c->log[i].len = vl_field(ps, "log len");
	}

	c->niov = vl_count(ps, "niov", 2);
	if (c->niov > INT_MAX)
		vl_malformed(ps, "niov does not fit int");
	c->iov = alloc_array(c->niov, sizeof(*c->iov));
	for (i = 0; i < c->niov; i++) {
		c->iov[i].iov_base = (void *)(uintptr_t)vl_field(ps, "iov base");
		c->iov[i].iov_len = (size_t)vl_field(ps, "iov len");
	}

	c->features = vl_field(ps, "features");
	c->iov_limit = (unsigned int)vl_field(ps, "iov_limit");
	if (!c->iov_limit || c->iov_limit > VL_UIO_MAXIOV)
		vl_malformed(ps, "iov_limit must be 1 to %d", VL_UIO_MAXIOV);
	c->prior_log = (unsigned int)vl_field(ps, "prior_log");
	if (c->prior_log > c->iov_limit)
		vl_malformed(ps, "prior_log is over iov_limit");
	c->allocs_before_failure = (long)vl_field(ps, "allocs_before_failure");
	c->null_log = flag(ps, "null_log");
	if ((c->fn == VL_FN_vhost_scsi_copy_cmd_log || c->fn == VL_FN_vhost_scsi_copy_tmf_log) && c->nlog > c->iov_limit)
		vl_malformed(ps, "nlog is over iov_limit (vq->log holds iov_limit entries)");
	/* The control queue's caller copies only a non-empty log. */
	if (c->fn == VL_FN_vhost_scsi_copy_tmf_log && !c->nlog)
		vl_malformed(ps, "nlog must be at least 1 for vhost_scsi_copy_tmf_log()");

	c->null_cmds = flag(ps, "null_cmds");
	c->ncmds = vl_count(ps, "ncmds", 1);
	if (c->ncmds > VL_MAX_COMMANDS)
		vl_malformed(ps, "ncmds must be at most 400 (hex: 1024 commands)");
	c->cmd_logs = alloc_array(c->ncmds, sizeof(*c->cmd_logs));
	for (i = 0; i < c->ncmds; i++) {
		u64 v = vl_field(ps, "command log length");

		if (v > c->iov_limit)
			vl_malformed(ps, "command log length %llx is over iov_limit",
				  (unsigned long long)v);
		c->cmd_logs[i] = (unsigned int)v;
	}

	c->head = vl_field(ps, "head");
	if (c->head > INT_MAX)
		vl_malformed(ps, "head must be at most 7fffffff");
	c->out = vl_field(ps, "out");
	c->in = vl_field(ps, "in");
	/* The response iovecs are vq->iov[out .. out + in), UIO_MAXIOV in all. */
	if (c->out >= UIO_MAXIOV || c->in > UIO_MAXIOV - c->out)
		vl_malformed(ps, "out must be below 400 (UIO_MAXIOV) and out + in at most 400");
	if ((c->fn == VL_FN_vhost_scsi_send_status || c->fn == VL_FN_vhost_scsi_send_bad_target) && c->niov > UIO_MAXIOV)
		vl_malformed(ps, "niov must be at most 400 (vq->iov holds UIO_MAXIOV)");
	c->kind = vl_field(ps, "kind");
	if (c->kind > 0xff)
		vl_malformed(ps, "kind must be at most ff");
	/* vhost_scsi_destroy_logs(): out virtqueues (2 to a), in commands per I/O queue. */
	if (c->fn == VL_FN_vhost_scsi_destroy_logs && (c->out < 2 || c->out > 10))
		vl_malformed(ps, "out (dev.nvqs) must be 2 to a for vhost_scsi_destroy_logs()");
	if (c->fn == VL_FN_vhost_scsi_destroy_logs && c->ncmds != (c->out - 2) * c->in)
		vl_malformed(ps, "ncmds must be (out - 2) * in for vhost_scsi_destroy_logs() (in commands per I/O queue)");
	c->fill = vl_field(ps, "fill");
	if (c->fill > 0xff)
		vl_malformed(ps, "fill must be at most ff");
	vl_user_fill((unsigned char)c->fill);
	parse_ring(ps, c);

	vl_end_of_request(ps);
}

void vl_build_vq(struct vl_case *c)
{
	struct vhost_virtqueue *vq;
	size_t i;

	if (c->fn == VL_FN_vhost_scsi_destroy_vq_log) {
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

	if (c->fn == VL_FN_vhost_scsi_copy_cmd_log || c->fn == VL_FN_vhost_scsi_copy_tmf_log) {
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

	if (c->fn == VL_FN_vhost_scsi_destroy_vq_log || c->fn == VL_FN_vhost_scsi_destroy_logs) {
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
	if (c->fn == VL_FN_vhost_scsi_destroy_vq_log) {
		c->svq->max_cmds = (int)c->ncmds;
		c->svq->scsi_cmds = c->null_cmds ? NULL : c->cmds;
	}
	if (c->fn == VL_FN_vhost_scsi_destroy_logs) {
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

	if (c->fn == VL_FN_vhost_scsi_get_desc) {
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
		c->log_num = VL_NOT_WRITTEN;
	}

	if (c->fn == VL_FN_vhost_scsi_send_status || c->fn == VL_FN_vhost_scsi_send_bad_target) {
		/* The request's iovecs as vhost_get_vq_desc() left them. */
		if (c->niov)
			memcpy(vq->iov, c->iov, c->niov * sizeof(*c->iov));
		c->vc.head = (int)c->head;
		c->vc.out = (unsigned int)c->out;
		c->vc.in = (unsigned int)c->in;
	}
}

