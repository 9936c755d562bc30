// Patch 4 is present when vhost_log_write() takes U64_MAX as "every byte of
// every descriptor": it compares the length it was given with U64_MAX (in
// code, not a comment) before counting the logged bytes off it.
@ present @
identifier vq, log, log_num, len, iov, count;
@@
 vhost_log_write(struct vhost_virtqueue *vq, struct vhost_log *log,
 		unsigned int log_num, u64 len, struct iovec *iov, int count)
 {
 	<...
*	len != U64_MAX
 	...>
 }
