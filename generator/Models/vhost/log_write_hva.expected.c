/* drivers/vhost/vhost.c, model state Baseline */
/**
 * log_write_hva() - Mark dirty the guest pages behind a host-virtual range
 * @vq: The virtqueue whose memory table translates the range
 * @hva: Host-virtual start of the range
 * @len: Length of the range in bytes
 *
 * With an IOTLB the written buffers are known by their host-virtual addresses;
 * the memory table maps them back to guest-physical ranges.
 *
 * Return: 0, -EFAULT if no mapping covers the range, or the error of
 * log_write().
 */
static int log_write_hva(struct vhost_virtqueue *vq, u64 hva, u64 len)
{
	struct vhost_iotlb *umem = vq->umem;
	u64 start, end, l, min;
	int r;
	bool hit = false;
	struct vhost_iotlb_map *u;

	while (len) {
		min = len;
		/*
		 * Several guest-physical ranges may share one host-virtual range,
		 * so every mapping is visited.
		 */
		list_for_each_entry(u, &umem->list, link) {
			if (u->addr > hva - 1 + len ||
			    u->addr - 1 + u->size < hva)
				continue;
			start = max(u->addr, hva);
			end = min(u->addr - 1 + u->size, hva - 1 + len);
			l = end - start + 1;
			r = log_write(vq->log_base, u->start + start - u->addr,
				      l);
			if (r < 0)
				return r;
			hit = true;
			min = min(l, min);
		}

		if (!hit)
			return -EFAULT;

		len -= min;
		hva += min;
	}

	return 0;
}

