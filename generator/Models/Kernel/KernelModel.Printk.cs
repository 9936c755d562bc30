namespace VhostLog.Models.Kernel;

// linux/printk.h
public abstract partial class KernelModel
{
    /// <summary>Debug output; off, as in a kernel without dynamic debug enabled for vhost.</summary>
    [Extern]
    protected void pr_debug(string format, params object[] args)
    {
    }

    /// <summary>A kernel error message; recorded with the vq_err() ones.</summary>
    [Extern]
    protected void pr_err(string format, params object[] args) => Runtime.VqErrors.Add(format);
}
