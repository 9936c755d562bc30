/* drivers/vhost/vhost.c, model state Baseline */
static int get_indirect(struct vhost_virtqueue *vq, struct iovec *iov,
			unsigned int iov_size, unsigned int *out_num,
			unsigned int *in_num, struct vhost_log *log,
			unsigned int *log_num, struct vring_desc *indirect)
{
	struct vring_desc desc;
	unsigned int i = 0, count, found = 0;
	u32 len = vhost32_to_cpu(vq, indirect->len);
	struct iov_iter from;
	int ret, access;

	/* The table must hold whole descriptors. */
	if (unlikely(len % sizeof(struct vring_desc))) {
		vq_err(vq,
		       "Invalid length in indirect descriptor: len 0x%x not multiple of 0x%zx\n",
		       len, sizeof(struct vring_desc));
		return -EINVAL;
	}

	ret = translate_desc(vq, vhost64_to_cpu(vq, indirect->addr), len,
			     vq->indirect, UIO_MAXIOV, VHOST_ACCESS_RO);
	if (unlikely(ret < 0)) {
		if (ret != -EAGAIN)
			vq_err(vq, "Translation failure %d in indirect.\n",
			       ret);
		return ret;
	}
	iov_iter_init(&from, ITER_SOURCE, vq->indirect, (unsigned long)ret,
		      len);
	count = len / sizeof(struct vring_desc);
	/* next is 16 bits wide: a longer table could not be walked. */
	if (unlikely(count > USHRT_MAX + 1)) {
		vq_err(vq, "Indirect buffer length too big: %d\n",
		       indirect->len);
		return -E2BIG;
	}

	do {
		unsigned int iov_count = *in_num + *out_num;
		/* More steps than entries means next links form a cycle. */
		if (unlikely(++found > count)) {
			vq_err(vq,
			       "Loop detected: last one at %u indirect size %u\n",
			       i, count);
			return -EINVAL;
		}
		if (unlikely(!copy_from_iter_full(
			    &desc, sizeof(struct vring_desc), &from))) {
			vq_err(vq, "Failed indirect descriptor: idx %d\n", i);
			return -EINVAL;
		}
		/* A table may not point at another table. */
		if (unlikely(desc.flags &
			     cpu_to_vhost16(vq, VRING_DESC_F_INDIRECT))) {
			vq_err(vq, "Nested indirect descriptor: idx %d\n", i);
			return -EINVAL;
		}

		if (desc.flags & cpu_to_vhost16(vq, VRING_DESC_F_WRITE))
			access = VHOST_ACCESS_WO;
		else
			access = VHOST_ACCESS_RO;

		ret = translate_desc(vq, vhost64_to_cpu(vq, desc.addr),
				     vhost32_to_cpu(vq, desc.len),
				     iov + iov_count, iov_size - iov_count,
				     access);
		if (unlikely(ret < 0)) {
			if (ret != -EAGAIN)
				vq_err(vq,
				       "Translation failure %d indirect idx %d\n",
				       ret, i);
			return ret;
		}
		if (access == VHOST_ACCESS_WO) {
			*in_num += ret;
			/* A log entry per writable buffer that gave iovecs. */
			if (unlikely(log && ret)) {
				log[*log_num].addr =
					vhost64_to_cpu(vq, desc.addr);
				log[*log_num].len =
					vhost32_to_cpu(vq, desc.len);
				++*log_num;
			}
		} else {
			/* The device reads the request before it writes. */
			if (unlikely(*in_num)) {
				vq_err(vq,
				       "Indirect descriptor has out after in: idx %d\n",
				       i);
				return -EINVAL;
			}
			*out_num += ret;
		}
	} while ((i = next_desc(vq, &desc)) != ~0U);
	return 0;
}

