namespace VhostLog.Models.Kernel;

/// <summary>
/// A user-space pointer (<c>void __user *</c>). It is only a number: models
/// never dereference it, they hand it to the user-memory externs.
/// </summary>
public readonly record struct UserPtr(ulong Value)
{
    public static explicit operator ulong(UserPtr p) => p.Value;

    public static explicit operator UserPtr(ulong v) => new(v);

    public override string ToString() => $"0x{Value:x}";
}

/// <summary>
/// A user-space pointer to a struct (<c>struct T __user *</c>): what the
/// uaccess externs copy a T to. C converts a void __user pointer to it
/// without a cast, hence the implicit conversion.
/// </summary>
public readonly record struct UserPtr<T>(ulong Value)
    where T : unmanaged
{
    public static implicit operator UserPtr<T>(UserPtr p) => new(p.Value);

    public override string ToString() => $"0x{Value:x}";
}
