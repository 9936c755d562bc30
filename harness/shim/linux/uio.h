/*
 * Shim for <linux/uio.h>.
 * Provides: struct iovec, UIO_FASTIOV and UIO_MAXIOV from the uapi header
 * (#include_next); struct iov_iter over user iovecs (ITER_UBUF/ITER_IOVEC
 * only) with iov_iter_init(), iov_length(), copy_from_iter(),
 * copy_from_iter_full() and copy_to_iter() over the simulated user memory
 * (vl_shim.h), for the request path (vhost_scsi_get_desc(),
 * get_indirect(); vhost_copy_to_user()'s IOTLB branch only compiles).
 * Customised: struct iov_iter holds only what those helpers use, so its
 * layout is not the kernel's; a copy from user memory stops at the first
 * segment that faults and takes nothing of it, a copy to user memory writes
 * up to the first unmapped byte (as copy_to_user() does) and stops there.
 * Stubbed: kvec/bvec/folio iterators, advancing, reverting, nofault.
 * Do not mix with libc's <sys/uio.h>, which declares its own struct iovec.
 */
#ifndef VL_SHIM_LINUX_UIO_H
#define VL_SHIM_LINUX_UIO_H

#include <linux/types.h>
#include_next <linux/uio.h>

#include "vl_shim.h"

#define ITER_SOURCE	1	/* == WRITE: the iterator is read from */
#define ITER_DEST	0	/* == READ: the iterator is written to */

struct iov_iter {
	bool data_source;
	size_t iov_offset;	/* into __iov[0] */
	const struct iovec *__iov;
	unsigned long nr_segs;
	size_t count;
};

static inline void iov_iter_init(struct iov_iter *i, unsigned int direction,
				 const struct iovec *iov, unsigned long nr_segs,
				 size_t count)
{
	i->data_source = direction;
	i->iov_offset = 0;
	i->__iov = iov;
	i->nr_segs = nr_segs;
	i->count = count;
}

static inline size_t iov_length(const struct iovec *iov, unsigned long nr_segs)
{
	unsigned long seg;
	size_t ret = 0;

	for (seg = 0; seg < nr_segs; seg++)
		ret += iov[seg].iov_len;
	return ret;
}

/* Moves up to bytes between buf and the iterator's user memory. */
static inline size_t vl_iter_copy(void *buf, size_t bytes, struct iov_iter *i,
				  bool to_user)
{
	size_t done = 0;

	if (bytes > i->count)
		bytes = i->count;
	while (done < bytes && i->nr_segs) {
		size_t left = i->__iov->iov_len - i->iov_offset;
		size_t n = bytes - done < left ? bytes - done : left;
		u64 user = (u64)(uintptr_t)i->__iov->iov_base + i->iov_offset;
		size_t m = to_user ? vl_user_write_prefix(user, (char *)buf + done, n)
				   : vl_user_read((char *)buf + done, user, n) ? 0 : n;

		done += m;
		i->count -= m;
		i->iov_offset += m;
		if (m < n)
			break;
		if (i->iov_offset == i->__iov->iov_len) {
			i->__iov++;
			i->nr_segs--;
			i->iov_offset = 0;
		}
	}
	return done;
}

static inline size_t copy_from_iter(void *addr, size_t bytes, struct iov_iter *i)
{
	return i->data_source ? vl_iter_copy(addr, bytes, i, false) : 0;
}

static inline bool copy_from_iter_full(void *addr, size_t bytes,
				       struct iov_iter *i)
{
	struct iov_iter start = *i;

	if (copy_from_iter(addr, bytes, i) == bytes)
		return true;
	*i = start;
	return false;
}

static inline size_t copy_to_iter(const void *addr, size_t bytes,
				  struct iov_iter *i)
{
	return i->data_source ? 0 : vl_iter_copy((void *)addr, bytes, i, true);
}

#endif
