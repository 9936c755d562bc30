using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class Baseline
{
    /// <summary>
    /// Increments through a ref and a Ptr, postfix and prefix. The printer
    /// once wrote `out_num++` as *out_num++, which increments the pointer.
    /// </summary>
    protected virtual int ref_postfix_increment(ref unsigned_int out_num, Ptr<unsigned_int> log_num)
    {
        out_num++;
        log_num.Value++;
        ++out_num;
        out_num--;
        return (int)out_num;
    }
}
