namespace VhostLog.Models.Kernel;

/// <summary>
/// A pointer to one scalar (<c>unsigned int *log_num</c>). Value is the
/// object it points at (*p in C).
/// </summary>
public sealed class Ptr<T>(T value)
    where T : struct
{
    public T Value { get; set; } = value;
}
