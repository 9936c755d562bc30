/* Written by vhostlog from harness/Equivalence/Protocol/Wire.cs; do not edit (make golden-accept). */
#ifndef VL_WIRE_H
#define VL_WIRE_H

#include <linux/types.h>

#define VL_UIO_MAXIOV 1024
#define VL_MAX_COMMANDS 1024
#define VL_NOT_WRITTEN 0xdeadbeef
#define VL_FNV1A_OFFSET_BASIS 0xcbf29ce484222325ULL
#define VL_FNV1A_PRIME 0x100000001b3ULL

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
