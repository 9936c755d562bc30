using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class Baseline
{
    /// <summary>
    /// An if-else inside an if, without braces. The printer once wrote it
    /// the same way, which gcc's -Wparentheses rejects as an ambiguous else
    /// (found by translation validation, on a shrunk program).
    /// </summary>
    protected virtual u32 nested_if_else(u32 a, u32 b)
    {
        if (a < b)
            if (a == 0)
                a = b;
            else
                a = b + 1;
        return a;
    }
}
