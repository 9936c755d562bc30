/* Written by vhostlog from harness/Equivalence/Protocol/Wire.cs; do not edit (make golden-accept). */
#ifndef VL_WIRE_H
#define VL_WIRE_H

#include <linux/types.h>

#define VL_UIO_MAXIOV 1024
#define VL_MAX_COMMANDS 1024
#define VL_STEP_LIMIT 50000000UL
#define VL_NOT_WRITTEN 0xdeadbeef
#define VL_FNV1A_OFFSET_BASIS 0xcbf29ce484222325ULL
#define VL_FNV1A_PRIME 0x100000001b3ULL

/* The harness functions: a request's first field. */
enum vl_function {
	VL_FN_log_write = 0,
	VL_FN_log_write_hva = 1,
	VL_FN_vhost_log_write = 2,
	VL_FN_vhost_scsi_log_write = 3,
	VL_FN_vhost_scsi_copy_cmd_log = 4,
	VL_FN_vhost_scsi_copy_tmf_log = 5,
	VL_FN_vhost_scsi_destroy_vq_log = 6,
	VL_FN_vhost_scsi_send_status = 7,
	VL_FN_vhost_scsi_send_bad_target = 8,
	VL_FN_vhost_scsi_get_desc = 9,
	VL_FN_vhost_scsi_destroy_logs = 10,
	VL_FN_COUNT
};

/* How many values each state has before its entries (PROTOCOL.md). */
#define VL_COPY_CMD_LOG_FIXED 4
#define VL_COPY_TMF_LOG_FIXED 5
#define VL_DESTROY_VQ_LOG_FIXED 1
#define VL_DESTROY_LOGS_FIXED 1
#define VL_RESPONSE_FIXED 2
/* The used entries a response lists at most. */
#define VL_USED_KEPT 8

/* vhost_scsi_get_desc()'s fixed values, in wire order. */
enum vl_desc_field {
	VL_DESC_HEAD,
	VL_DESC_OUT,
	VL_DESC_IN,
	VL_DESC_OUT_SIZE,
	VL_DESC_IN_SIZE,
	VL_DESC_ITER_DIRECTION,
	VL_DESC_ITER_START,
	VL_DESC_ITER_OFFSET,
	VL_DESC_ITER_SEGMENTS,
	VL_DESC_ITER_COUNT,
	VL_DESC_LAST_AVAIL_IDX,
	VL_DESC_AVAIL_IDX,
	VL_DESC_USED_FLAGS,
	VL_DESC_LOG_NUM,
	VL_DESC_IOV_HASH,
	VL_DESC_LOG_HASH,
	VL_DESC_INDIRECT_HASH,
	VL_DESC_READABLE_BYTES,
	VL_DESC_WRITABLE_BYTES,
	VL_DESC_FIXED
};

/* FNV-1a over 64-bit words: one xor and one multiply per word. */
static inline __u64 vl_fnv1a_step(__u64 h, __u64 word)
{
	return (h ^ word) * VL_FNV1A_PRIME;
}

/* n zero words: h * prime^n (mod 2^64), the same value as n steps. */
static inline __u64 vl_fnv1a_zero_words(__u64 h, __u64 n)
{
	__u64 m = VL_FNV1A_PRIME;

	for (; n; n >>= 1, m *= m)
		if (n & 1)
			h *= m;
	return h;
}

static inline __u64 vl_fnv1a(const __u64 *words, unsigned long n)
{
	__u64 h = VL_FNV1A_OFFSET_BASIS;
	unsigned long i;

	for (i = 0; i < n; i++)
		h = vl_fnv1a_step(h, words[i]);
	return h;
}

#endif /* VL_WIRE_H */
