/*
 * FNV-1a over 64-bit words, the one copy the native drivers share: the
 * worker and chains.c hash iovec and log arrays (base or address, then
 * length) so that an answer carries an array without listing it.
 */
#ifndef VL_FNV1A_H
#define VL_FNV1A_H

#include <linux/types.h>

#define VL_FNV1A_INIT 0xcbf29ce484222325ULL
#define VL_FNV1A_PRIME 0x100000001b3ULL

static inline __u64 vl_fnv1a_word(__u64 h, __u64 word)
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

#endif
