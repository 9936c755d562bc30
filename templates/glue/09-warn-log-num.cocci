// Patch 9 glue (opt-in): warn once if recording a write descriptor would
// pass the log array, whose size callers take from dev->iov_limit. Both
// places that record one, get_indirect() and vhost_get_vq_desc(), get it.

@ warn_before_record @
expression vq, desc;
@@
 	if (unlikely(log && ret)) {
+		WARN_ON_ONCE(*log_num >= vq->dev->iov_limit);
 		log[*log_num].addr = vhost64_to_cpu(vq, desc.addr);
 		...
 	}
