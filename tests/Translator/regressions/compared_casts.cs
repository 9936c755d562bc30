using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class Baseline
{
    /// <summary>
    /// Compares two ints as unsigned. The translator once left both casts
    /// out, as C's conversions would make either one alone, and the C
    /// compared the ints as signed. Translation validation found it.
    /// </summary>
    protected virtual int compared_casts(int a, int b, s64 c, unsigned_int d)
    {
        if ((u32)a <= (u32)b)
            return 1;
        if ((size_t)a > (size_t)c)
            return 2;
        if ((u32)a == d)
            return 3;
        return 0;
    }
}
