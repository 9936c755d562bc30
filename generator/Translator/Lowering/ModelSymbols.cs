using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace VhostLog.Translator.Lowering;

/// <summary>
/// What the attributes and types of VhostLog.Models.Kernel say about a
/// symbol of the models. The translator sees them by name only: it reads the
/// model sources, not the models' assembly.
/// </summary>
public static class ModelSymbols
{
    const string ExternAttribute = "VhostLog.Models.Kernel.ExternAttribute";
    const string KernelStructAttribute = "VhostLog.Models.Kernel.KernelStructAttribute";
    const string AnonymousUnionAttribute = "VhostLog.Models.Kernel.AnonymousUnionAttribute";
    const string StructLayoutAttribute = "System.Runtime.InteropServices.StructLayoutAttribute";
    const string FieldOffsetAttribute = "System.Runtime.InteropServices.FieldOffsetAttribute";
    const string EmbeddedAttribute = "VhostLog.Models.Kernel.EmbeddedAttribute";
    const string InsertAfterAttribute = "VhostLog.Models.Kernel.InsertAfterAttribute";
    const string UpperBoundAttribute = "VhostLog.Models.Kernel.UpperBoundAttribute";
    const string NonNegativeAttribute = "VhostLog.Models.Kernel.NonNegativeAttribute";
    const string CFormAttribute = "VhostLog.Models.Kernel.CFormAttribute";
    const string KernelModel = "VhostLog.Models.Kernel.KernelModel";
    const string UserPtrType = "VhostLog.Models.Kernel.UserPtr";
    const string TypedUserPtrType = "VhostLog.Models.Kernel.UserPtr<T>";
    const string PtrType = "VhostLog.Models.Kernel.Ptr<T>";

    public static bool IsExtern(ISymbol symbol) => HasAttribute(symbol, ExternAttribute);

    /// <summary>A function of a model state (KernelModel or a state derived from it).</summary>
    public static bool IsModelFunction(IMethodSymbol method)
    {
        for (var t = method.ContainingType; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == KernelModel)
                return true;
        return false;
    }

    public static bool IsKernelStruct(ITypeSymbol t) => HasAttribute(t, KernelStructAttribute);

    public static bool IsAnonymousUnion(ITypeSymbol t) => HasAttribute(t, AnonymousUnionAttribute);

    public static bool IsEmbedded(IFieldSymbol field) => HasAttribute(field, EmbeddedAttribute);

    /// <summary>Ptr&lt;T&gt;, a model function's pointer parameter.</summary>
    public static bool IsPtr(ITypeSymbol? t) => t?.OriginalDefinition.ToDisplayString() == PtrType;

    /// <summary>UserPtr (void __user *).</summary>
    public static bool IsUserPtr(ITypeSymbol? t) => t?.ToDisplayString() == UserPtrType;

    /// <summary>UserPtr&lt;T&gt; (T __user *).</summary>
    public static bool IsTypedUserPtr(ITypeSymbol? t) => t?.OriginalDefinition.ToDisplayString() == TypedUserPtrType;

    public static bool IsRefParameter(ISymbol? s) => s is IParameterSymbol { RefKind: RefKind.Ref };

    public static bool IsIntegral(ITypeSymbol? t) => t?.SpecialType is
        SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16
        or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64;

    /// <summary>A field marked [NonNegative]: it never holds a negative value.</summary>
    public static bool IsNonNegative(IFieldSymbol field) => HasAttribute(field, NonNegativeAttribute);

    /// <summary>The bound a field's [UpperBound] promises; null without one.</summary>
    public static long? UpperBound(IFieldSymbol field) =>
        Attribute(field, UpperBoundAttribute)?.ConstructorArguments[0].Value as long?;

    /// <summary>The C spelling an [Extern]'s [CForm] gives, placeholders unfilled; null without one.</summary>
    public static string? CForm(IMethodSymbol method) =>
        Attribute(method, CFormAttribute)?.ConstructorArguments[0].Value as string;

    /// <summary>The functions [InsertAfter] names, the preferred first; empty without one.</summary>
    public static ImmutableArray<string> InsertAfterCandidates(IMethodSymbol method)
    {
        var attribute = Attribute(method, InsertAfterAttribute);
        if (attribute is null)
            return [];
        var orElse = attribute.ConstructorArguments.Length > 1 && !attribute.ConstructorArguments[1].IsNull
            ? attribute.ConstructorArguments[1].Values.Select(v => (string)v.Value!)
            : [];
        return [(string)attribute.ConstructorArguments[0].Value!, .. orElse];
    }

    public static bool HasExplicitLayout(INamedTypeSymbol t) =>
        t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == StructLayoutAttribute
                                   && a.ConstructorArguments.FirstOrDefault().Value is int kind
                                   && kind == (int)System.Runtime.InteropServices.LayoutKind.Explicit);

    public static int? FieldOffset(IFieldSymbol f) =>
        Attribute(f, FieldOffsetAttribute)?.ConstructorArguments[0].Value as int?;

    /// <summary>
    /// The managed size of a struct is its C size only when its layout says
    /// so: an explicit Size, or a union of such structs (or integers).
    /// </summary>
    public static bool HasCSize(ITypeSymbol t)
    {
        if (t.TypeKind != TypeKind.Struct || IsIntegral(t) || t.SpecialType == SpecialType.System_Boolean)
            return true;
        if (IsAnonymousUnion(t))
            return t.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst).All(f => HasCSize(f.Type));
        return t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == StructLayoutAttribute
                                          && a.NamedArguments.Any(n => n.Key == "Size" && n.Value.Value is int size && size > 0));
    }

    static bool HasAttribute(ISymbol symbol, string attribute) => Attribute(symbol, attribute) is not null;

    static AttributeData? Attribute(ISymbol symbol, string attribute) =>
        symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == attribute);
}
