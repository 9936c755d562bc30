/* drivers/vhost/vhost.c, model state Baseline */
int vhost_get_vq_desc(struct vhost_virtqueue *vq, struct iovec *iov,
		      unsigned int iov_size, unsigned int *out_num,
		      unsigned int *in_num, struct vhost_log *log,
		      unsigned int *log_num)
{
	struct vring_desc desc;
	unsigned int i, head, found = 0;
	u16 last_avail_idx = vq->last_avail_idx;
	__virtio16 ring_head;
	int ret, access;

	/* Read the guest's index only when everything seen so far is taken. */
	if (vq->avail_idx == vq->last_avail_idx) {
		ret = vhost_get_avail_idx(vq);
		if (unlikely(ret < 0))
			return ret;

		if (!ret)
			return vq->num;
	}

	if (unlikely(vhost_get_avail_head(vq, &ring_head, last_avail_idx))) {
		vq_err(vq, "Failed to read head: idx %d\n", last_avail_idx);
		return -EFAULT;
	}

	head = vhost16_to_cpu(vq, ring_head);

	/* A head outside the table is the guest's error. */
	if (unlikely(head >= vq->num)) {
		vq_err(vq, "Guest says index %u > %u is available", head,
		       vq->num);
		return -EINVAL;
	}

	*out_num = *in_num = 0;
	if (unlikely(log))
		*log_num = 0;

	i = head;
	do {
		unsigned int iov_count = *in_num + *out_num;
		if (unlikely(i >= vq->num)) {
			vq_err(vq, "Desc index is %u > %u, head = %u", i,
			       vq->num, head);
			return -EINVAL;
		}
		/* More steps than the table has entries means a cycle. */
		if (unlikely(++found > vq->num)) {
			vq_err(vq,
			       "Loop detected: last one at %u vq size %u head %u\n",
			       i, vq->num, head);
			return -EINVAL;
		}
		ret = vhost_get_desc(vq, &desc, i);
		if (unlikely(ret)) {
			vq_err(vq, "Failed to get descriptor: idx %d\n", i);
			return -EFAULT;
		}
		if (desc.flags & cpu_to_vhost16(vq, VRING_DESC_F_INDIRECT)) {
			ret = get_indirect(vq, iov, iov_size, out_num, in_num,
					   log, log_num, &desc);
			if (unlikely(ret < 0)) {
				if (ret != -EAGAIN)
					vq_err(vq,
					       "Failure detected in indirect descriptor at idx %d\n",
					       i);
				return ret;
			}
			continue;
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
				       "Translation failure %d descriptor idx %d\n",
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
				       "Descriptor has out after in: idx %d\n",
				       i);
				return -EINVAL;
			}
			*out_num += ret;
		}
	} while ((i = next_desc(vq, &desc)) != ~0U);

	/* The chain is taken only once all of it was read. */
	vq->last_avail_idx++;

	/*
	 * The device polls the ring while it works, so the guest was told
	 * not to notify it; otherwise the avail event would need updating.
	 */
	BUG_ON(!(vq->used_flags & VRING_USED_F_NO_NOTIFY));
	return head;
}

