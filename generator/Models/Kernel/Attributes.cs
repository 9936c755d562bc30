namespace VhostLog.Models.Kernel;

/// <summary>
/// A kernel API the models call but do not define. The method body is the
/// managed implementation; the C name is the method name; the shim supplies
/// the C implementation (harness/shim/externs.list names every one).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Field, AllowMultiple = false)]
public sealed class ExternAttribute : Attribute;

/// <summary>
/// A C type declared by the target tree (not generated). Classes stand for
/// structs used through pointers, C# structs for structs used by value or in
/// arrays.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
public sealed class KernelStructAttribute : Attribute;

/// <summary>
/// A model state: the tree as it is before the series (Baseline) or as one
/// patch of the series leaves it. Overrides in a state are that patch's
/// changes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelStateAttribute(string description) : Attribute
{
    public string Description { get; } = description;

    /// <summary>
    /// A patch the series carries only when asked (generate --opt-in): the
    /// default series, and so "after", stop before it. templates/series.json
    /// marks the same patch optIn, and a test holds the two equal.
    /// </summary>
    public bool OptIn { get; init; }
}

/// <summary>
/// A struct member embedded by value (struct vhost_dev dev), not a pointer:
/// member access through it prints '.', and using it as a value takes its
/// address.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class EmbeddedAttribute : Attribute;

/// <summary>
/// Where a function that a patch adds goes in the C file: right after the
/// named function, or after the first of orElse the file has (older trees
/// lack some functions; each candidate must still come before every use).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class InsertAfterAttribute(string function, params string[] orElse) : Attribute
{
    public string Function { get; } = function;

    public IReadOnlyList<string> OrElse { get; } = orElse;
}

/// <summary>
/// The largest value a field can hold in the kernel (vq->num is at most
/// 0xffff): comparing it for equality with an int means the same in C and C#.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class UpperBoundAttribute(long max) : Attribute
{
    public long Max { get; } = max;
}

/// <summary>
/// A signed field that is never negative in the kernel (a count): comparing
/// it with an unsigned value means the same in C and C#.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class NonNegativeAttribute : Attribute;

/// <summary>
/// How C spells a call to this extern when it is not a plain call: {0}, {1}
/// are the arguments, {T0} the struct name of the first type argument.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CFormAttribute(string template) : Attribute
{
    public string Template { get; } = template;
}

/// <summary>
/// A union declared inside a function (union { struct a x; struct b y; }
/// rsp;): the C# struct lays every member at offset 0, so writing one member
/// and reading the bytes of the whole means the same as in C. Only locals
/// may have such a type; C names no union type to pass around.
/// </summary>
[AttributeUsage(AttributeTargets.Struct)]
public sealed class AnonymousUnionAttribute : Attribute;
