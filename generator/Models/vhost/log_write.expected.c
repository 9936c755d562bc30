/* drivers/vhost/vhost.c, model state Baseline */
/**
 * log_write() - Mark the pages of a guest-physical range dirty
 * @log_base: User address of the dirty bitmap
 * @write_address: Guest-physical start of the range
 * @write_length: Length of the range in bytes
 *
 * Sets one bit per VHOST_PAGE_SIZE page that the range touches, bit (page % 8)
 * of byte (page / 8) of the bitmap. An empty range touches nothing.
 *
 * Return: 0, -EFAULT if the bitmap byte is not addressable, or the error of the
 * user-memory access.
 */
static int log_write(void __user *log_base, u64 write_address, u64 write_length)
{
	u64 write_page = write_address / VHOST_PAGE_SIZE;
	int r;

	if (!write_length)
		return 0;
	write_length += write_address % VHOST_PAGE_SIZE;
	for (;;) {
		u64 base = (u64)(unsigned long)log_base;
		u64 log = base + write_page / 8;
		int bit = write_page % 8;
		if ((u64)(unsigned long)log != log)
			return -EFAULT;
		r = set_bit_to_user(bit, (void __user *)(unsigned long)log);
		if (r < 0)
			return r;
		if (write_length <= VHOST_PAGE_SIZE)
			break;
		write_length -= VHOST_PAGE_SIZE;
		write_page += 1;
	}
	return r;
}

