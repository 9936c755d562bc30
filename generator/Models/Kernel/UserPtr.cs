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
