/*
 * Shim for <linux/virtio_byteorder.h>.
 * Provides: virtio_legacy_is_little_endian() and the __virtioNN <-> cpu
 * conversions used by the inline accessors at the end of vhost.h
 * (a little-endian flag selects between native and byte-swapped order).
 * Stubbed: nothing else is in the real header.
 */
#ifndef VL_SHIM_LINUX_VIRTIO_BYTEORDER_H
#define VL_SHIM_LINUX_VIRTIO_BYTEORDER_H

#include <linux/types.h>
#include <linux/virtio_types.h>

#define VL_HOST_IS_LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

static inline bool virtio_legacy_is_little_endian(void)
{
	return VL_HOST_IS_LE;
}

/* Values are stored in the requested order; swap when it is not the host's. */
#define VL_VIRTIO_CONV(bits)						\
static inline u##bits __virtio##bits##_to_cpu(bool little_endian,	\
					      __virtio##bits val)	\
{									\
	u##bits v = (__force u##bits)val;				\
	return little_endian == VL_HOST_IS_LE ? v :			\
		__builtin_bswap##bits(v);				\
}									\
static inline __virtio##bits __cpu_to_virtio##bits(bool little_endian,	\
						   u##bits val)		\
{									\
	return (__force __virtio##bits)(little_endian == VL_HOST_IS_LE ?	\
		val : __builtin_bswap##bits(val));			\
}
VL_VIRTIO_CONV(16)
VL_VIRTIO_CONV(32)
VL_VIRTIO_CONV(64)
#undef VL_VIRTIO_CONV

#endif
