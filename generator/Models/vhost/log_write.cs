using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class Baseline
{
    /// <summary>mark the pages of a guest-physical range dirty</summary>
    /// <param name="log_base">user address of the dirty bitmap</param>
    /// <param name="write_address">guest-physical start of the range</param>
    /// <param name="write_length">length of the range in bytes</param>
    /// <remarks>
    /// Sets one bit per VHOST_PAGE_SIZE page that the range touches, bit
    /// (page % 8) of byte (page / 8) of the bitmap. An empty range touches
    /// nothing.
    /// </remarks>
    /// <returns>0, -EFAULT if the bitmap byte is not addressable, or the error
    /// of the user-memory access.</returns>
    protected internal virtual int log_write(UserPtr log_base,
                                    u64 write_address, u64 write_length)
    {
        u64 write_page = write_address / VHOST_PAGE_SIZE;
        int r;

        if (write_length == 0)
            return 0;
        write_length += write_address % VHOST_PAGE_SIZE;
        for (;;) {
            u64 @base = (u64)(unsigned_long)log_base;
            u64 log = @base + write_page / 8;
            int bit = (int)(write_page % 8);
            if ((u64)(unsigned_long)log != log)
                return -EFAULT;
            r = set_bit_to_user(bit, (UserPtr)(unsigned_long)log);
            if (r < 0)
                return r;
            if (write_length <= VHOST_PAGE_SIZE)
                break;
            write_length -= VHOST_PAGE_SIZE;
            write_page += 1;
        }
        return r;
    }
}
